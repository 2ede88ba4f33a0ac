import { dirname, relative, resolve, sep } from 'node:path';
import type { ContainerIsolation, ContainerSource } from './container-model.js';
import type { ParsedService } from './schema.js';
import { memoryBytes } from './container-schema.js';

/** The container source of a parsed service (undefined: a process service). */
export function containerSource(s: ParsedService, dir: string): ContainerSource | undefined {
  if (s.image !== undefined) return { kind: 'image', image: s.image };
  if (s.dockerfile === undefined) return undefined;
  const dockerfile = resolve(dir, s.dockerfile);
  const context = s.context === undefined ? dirname(dockerfile) : resolve(dir, s.context);
  return {
    kind: 'dockerfile',
    context,
    dockerfile: relative(context, dockerfile).split(sep).join('/'),
    ...(s.target === undefined ? {} : { target: s.target }),
    buildArgs: Object.fromEntries(Object.entries(s.buildArgs ?? {}).map(([k, v]) => [k, String(v)])),
  };
}

/**
 * The isolation of a service. A container: every capability dropped unless given back, root file
 * system writable unless readOnly. A process: its rlimits (memory, pids, openFiles), or undefined
 * when it sets none (its user is resolved to uid/gid apart, at spawn).
 */
export function containerIsolation(s: ParsedService): ContainerIsolation | undefined {
  const r = s.resources ?? {};
  const limits = {
    ...(r.memory === undefined ? {} : { memoryBytes: memoryBytes(r.memory) }),
    ...(r.pids === undefined ? {} : { pids: r.pids }),
    ...(r.openFiles === undefined ? {} : { openFiles: r.openFiles }),
  };
  if (s.image === undefined && s.dockerfile === undefined) {
    return Object.keys(limits).length === 0 ? undefined : { ...limits, readOnly: false, tmpfs: [], capAdd: [] };
  }
  return {
    ...limits,
    ...(r.cpus === undefined ? {} : { cpus: r.cpus }),
    ...(s.user === undefined ? {} : { user: s.user }),
    readOnly: s.readOnly ?? false,
    tmpfs: [...(s.tmpfs ?? [])],
    capAdd: [...(s.capabilities?.add ?? [])],
  };
}

