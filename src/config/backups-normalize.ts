import { resolve } from 'node:path';
import { parseDuration } from '../lib/duration.js';
import type { BackupKeySpec, BackupSourceSpec, BackupsSpec, BackupTargetSpec } from './backups-model.js';
import type { ParsedBackups } from './backups-schema.js';

export function normalizeBackups(b: ParsedBackups, dir: string): BackupsSpec {
  const sources: Record<string, BackupSourceSpec> = {};
  for (const [name, s] of Object.entries(b.sources)) {
    sources[name] = s.postgres
      ? { kind: 'postgres', name, url: s.postgres.url }
      : s.dir !== undefined
        ? { kind: 'dir', name, path: resolve(dir, s.dir) }
        : s.volume !== undefined
          ? volumeSpec(name, s.volume)
          : { kind: 'sqlite', name, path: resolve(dir, s.sqlite ?? '') };
  }
  const key: BackupKeySpec = !b.encrypt ? { kind: 'none' } : b.keyFile !== undefined ? { kind: 'file', path: resolve(dir, b.keyFile) } : { kind: 'value', value: (b.key ?? '').trim() };
  return {
    key,
    targets: Object.entries(b.targets).map(([name, t]): BackupTargetSpec => (t.s3 ? { kind: 's3', name, s3: { ...t.s3, prefix: withSlash(t.s3.prefix) } } : { kind: 'dir', name, path: resolve(dir, t.dir ?? '') })),
    sources,
    schedule: b.schedule,
    maxAgeMs: b.maxAge !== undefined ? parseDuration(b.maxAge) : undefined,
    retention: { ...b.retention },
    beforeDeploy: [...b.beforeDeploy],
    drill: b.drill ? { schedule: b.drill.schedule, check: b.drill.check } : undefined,
  };
}

function withSlash(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/** `NAME` or `SERVICE/NAME`: the volume is the project's by name; the service says whose data it is. */
function volumeSpec(name: string, written: string): BackupSourceSpec {
  const slash = written.indexOf('/');
  return slash < 0 ? { kind: 'volume', name, volume: written } : { kind: 'volume', name, volume: written.slice(slash + 1), service: written.slice(0, slash) };
}
