import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateBackupKey } from '../src/backup/age-adapter.js';
import { spawnStage } from '../src/backup/child-stage.js';
import { LocalTarget } from '../src/backup/local-target.js';
import { BackupRepository } from '../src/backup/repository.js';
import { runBackup } from '../src/backup/run-backup.js';
import { verifyBackup } from '../src/backup/verify.js';
import type { BackupSource, SourceRun } from '../src/backup/source.js';

const file = '/tmp/bb/raw.pgdump';
function src(): BackupSource {
  return {
    name: 'fake', kind: 'postgres', suffix: '.pgdump', minBytes: 512, headBytes: 5,
    checkHead: () => undefined,
    describe: () => ({ kind: 'postgres', host: 'fake', port: 1, database: 'fake', user: 'fake' }),
    toolVersions: async () => ({ fake: '1' }),
    open: async (): Promise<SourceRun> => {
      const child = spawnStage(['dd', `if=${file}`, 'bs=8k', 'status=none'], { env: process.env, stdin: 'ignore', failCode: 'SLW_BACKUP_SOURCE_FAILED' });
      return { stream: child.output, children: [child], cleanup: async () => undefined };
    },
  };
}
const childTicks = () => { const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' '); return Number(f[13]) + Number(f[14]); };
const work = mkdtempSync(join(tmpdir(), 'slipway-cpu-'));
const key = await generateBackupKey();
const variants = (process.argv[2] ?? 'enc,plain').split(',');
try {
  for (let r = 0; r < Number(process.argv[3] ?? 3); r++) {
    for (const v of variants) {
      const repo = new BackupRepository(new LocalTarget(join(work, v)));
      const c0 = process.cpuUsage(); const k0 = childTicks(); const t0 = performance.now();
      const { manifest } = await runBackup({ source: src(), repo, key: v === 'plain' ? 'unencrypted' : key, lockDir: join(work, 'l'), verify: false, ...(v === 'none' ? { codec: 'none', key: 'unencrypted' } : {}) });
      const c = process.cpuUsage(c0); const k = childTicks() - k0; const t = performance.now() - t0;
      const c1 = process.cpuUsage(); const k1 = childTicks(); const t1 = performance.now();
      const ver = await verifyBackup({ repo, backup: manifest, key });
      if (!ver.ok) throw ver.error;
      const cv = process.cpuUsage(c1); const kv = childTicks() - k1;
      console.log(`${v.padEnd(6)} backup wall ${(t / 1000).toFixed(2)} node ${((c.user + c.system) / 1e6).toFixed(2)} children ${(k / 100).toFixed(2)} ${(manifest.object.bytes / 1e6).toFixed(1)}MB | verify wall ${((performance.now() - t1) / 1000).toFixed(2)} node ${((cv.user + cv.system) / 1e6).toFixed(2)} children ${(kv / 100).toFixed(2)}`);
    }
  }
} finally { rmSync(work, { recursive: true, force: true }); }
