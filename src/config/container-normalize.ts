import { dirname, relative, resolve, sep } from 'node:path';
import type { ContainerSource } from './container-model.js';
import type { ParsedService } from './schema.js';

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
