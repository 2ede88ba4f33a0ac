import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateBackupKey } from '../src/backup/age-adapter.js';
import { spawnStage } from '../src/backup/child-stage.js';
import { LocalTarget } from '../src/backup/local-target.js';
import { BackupRepository } from '../src/backup/repository.js';
import { runBackup } from '../src/backup/run-backup.js';
import { verifyBackup } from '../src/backup/verify.js';
import type { BackupSource, SourceRun } from '../src/backup/source.js';
const file = process.argv[2] ?? '/tmp/bb/small';
function src(): BackupSource {
  return {
    name: 'fake', kind: 'postgres', suffix: '.pgdump', minBytes: 512, headBytes: 5, checkHead: () => undefined,
    describe: () => ({ kind: 'postgres', host: 'fake', port: 1, database: 'fake', user: 'fake' }),
    toolVersions: async () => ({ fake: '1' }),
    open: async (): Promise<SourceRun> => {
      const child = spawnStage(['cat', file], { env: process.env, stdin: 'ignore', failCode: 'SLW_BACKUP_SOURCE_FAILED' });
      return { stream: child.output, children: [child], cleanup: async () => undefined };
    },
  };
}
const work = mkdtempSync(join(tmpdir(), 'slipway-wk-'));
const key = await generateBackupKey();
const other = await generateBackupKey();
setTimeout(() => { console.log('HUNG'); process.exit(1); }, 20000).unref();
try {
  const repo = new BackupRepository(new LocalTarget(join(work, 't')));
  const { manifest, verification } = await runBackup({ source: src(), repo, key, lockDir: join(work, 'l') });
  console.log('backup', verification?.ok);
  const { openSync, writeSync, readSync, closeSync } = await import('node:fs');
  const path = join(work, 't', manifest.object.key);
  const at = process.argv[3] === 'last' ? manifest.object.bytes - 1 : Number(process.argv[3] ?? Math.floor(manifest.object.bytes / 2));
  const fd = openSync(path, 'r+'); const b = Buffer.alloc(1); readSync(fd, b, 0, 1, at); b[0] ^= 0xff; writeSync(fd, b, 0, 1, at); closeSync(fd);
  const v = await verifyBackup({ repo, backup: manifest.id, key });
  console.log('wrong', v.ok, !v.ok && v.error.code, !v.ok && v.error.message);

} finally { rmSync(work, { recursive: true, force: true }); }
