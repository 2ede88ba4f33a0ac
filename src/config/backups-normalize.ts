import { resolve } from 'node:path';
import type { BackupKeySpec, BackupSourceSpec, BackupsSpec } from './backups-model.js';
import type { ParsedBackups } from './backups-schema.js';

export function normalizeBackups(b: ParsedBackups, dir: string): BackupsSpec {
  const sources: Record<string, BackupSourceSpec> = {};
  for (const [name, s] of Object.entries(b.sources)) {
    sources[name] = s.postgres ? { kind: 'postgres', name, url: s.postgres.url } : s.dir !== undefined ? { kind: 'dir', name, path: resolve(dir, s.dir) } : { kind: 'sqlite', name, path: resolve(dir, s.sqlite ?? '') };
  }
  const key: BackupKeySpec = !b.encrypt ? { kind: 'none' } : b.keyFile !== undefined ? { kind: 'file', path: resolve(dir, b.keyFile) } : { kind: 'value', value: (b.key ?? '').trim() };
  return {
    key,
    localDir: resolve(dir, b.targets.local.dir),
    sources,
    schedule: b.schedule,
    retention: { ...b.retention },
    beforeDeploy: [...b.beforeDeploy],
    drill: b.drill ? { schedule: b.drill.schedule, check: b.drill.check } : undefined,
  };
}
