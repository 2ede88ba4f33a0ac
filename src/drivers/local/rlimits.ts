/**
 * A process instance's limits, applied at spawn as rlimits: the command runs under util-linux's
 * `prlimit`, which sets them on itself and then execs the app (same pid, same environment), so
 * the app and every child it forks inherit them. No systemd, no cgroup needed.
 *   memory    → RLIMIT_AS (address space: allocations past it fail; the app decides whether it exits)
 *   pids      → RLIMIT_NPROC (processes and threads of the instance's user; root is exempt)
 *   openFiles → RLIMIT_NOFILE
 * prlimit sets soft = hard = the value. An unprivileged instance (a `user:` other than root, or a
 * daemon not running as root) may lower its hard limits but never raise them, and nobody may give
 * more open files than the kernel's fs.nr_open: such values are refused before anything starts.
 */
import { readFileSync } from 'node:fs';
import type { ContainerIsolation } from '../../config/container-model.js';
import { findOnPath } from '../../lib/find-on-path.js';

/** The prlimit options of these limits; empty when there are none. */
export function rlimitOptions(limits: ContainerIsolation | undefined): string[] {
  if (!limits) return [];
  return [
    ...(limits.memoryBytes === undefined ? [] : [`--as=${limits.memoryBytes}`]),
    ...(limits.pids === undefined ? [] : [`--nproc=${limits.pids}`]),
    ...(limits.openFiles === undefined ? [] : [`--nofile=${limits.openFiles}`]),
  ];
}

export type LimitedCommand =
  | { readonly ok: true; readonly command: readonly string[] }
  | { readonly ok: false; readonly reason: 'no-prlimit' | 'refused'; readonly why: string };

/** The hard limits of this (the daemon's) process that an instance inherits, by /proc/self/limits row name. */
export function hardLimits(text = readLimits()): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n').slice(1)) {
    const match = /^(.+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    if (!match) continue;
    out.set(match[1] ?? '', match[3] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[3]));
  }
  return out;
}

function readLimits(): string {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return '';
  }
}

function nrOpen(): number {
  try {
    return Number(readFileSync('/proc/sys/fs/nr_open', 'utf8').trim()) || 1_048_576;
  } catch {
    return 1_048_576;
  }
}

const ROWS = [
  { field: 'memoryBytes', row: 'Max address space', name: 'resources.memory (RLIMIT_AS)', unit: 'bytes' },
  { field: 'pids', row: 'Max processes', name: 'resources.pids (RLIMIT_NPROC)', unit: 'processes' },
  { field: 'openFiles', row: 'Max open files', name: 'resources.openFiles (RLIMIT_NOFILE)', unit: 'files' },
] as const;

/** Why these limits cannot be applied to an instance running as `uid`, or undefined when they can. */
export function refusedLimit(limits: ContainerIsolation, uid: number, hard = hardLimits(), maxOpen = nrOpen()): string | undefined {
  if (limits.openFiles !== undefined && limits.openFiles > maxOpen) {
    return `resources.openFiles is ${limits.openFiles}, above this host's most open files per process (fs.nr_open = ${maxOpen})`;
  }
  if (uid === 0) return undefined;
  for (const { field, row, name, unit } of ROWS) {
    const value = limits[field];
    const ceiling = hard.get(row);
    if (value !== undefined && ceiling !== undefined && value > ceiling) {
      return `${name} is ${value} ${unit}, above the hard limit of ${ceiling} the daemon passes on, which an instance running as uid ${uid} cannot raise (lower the value, or raise the daemon's hard limit, e.g. LimitNOFILE= in its unit)`;
    }
  }
  return undefined;
}

/** The command that starts `command` under these limits (itself when there are none), run as `uid`. */
export function limitedCommand(command: readonly string[], limits: ContainerIsolation | undefined, env: NodeJS.ProcessEnv, uid: number): LimitedCommand {
  const options = rlimitOptions(limits);
  if (options.length === 0 || !limits) return { ok: true, command };
  const refused = refusedLimit(limits, uid);
  if (refused !== undefined) return { ok: false, reason: 'refused', why: refused };
  const prlimit = findOnPath('prlimit', env) ?? findOnPath('prlimit', { PATH: '/usr/bin:/bin' });
  if (prlimit === undefined) return { ok: false, reason: 'no-prlimit', why: 'its resources: limits are applied with prlimit (util-linux), which is not installed on this host' };
  return { ok: true, command: [prlimit, ...options, '--', ...command] };
}
