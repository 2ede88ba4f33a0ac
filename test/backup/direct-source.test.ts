// A source process that writes straight into zstd (pg_dump's path when zstd and age are installed):
// the raw bytes never pass through Node, and every failure still fails the backup.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { generateBackupKey, type BackupKey } from '../../src/backup/age-adapter.js';
import { spawnStage } from '../../src/backup/child-stage.js';
import { LocalTarget } from '../../src/backup/local-target.js';
import { BackupRepository } from '../../src/backup/repository.js';
import { runBackup } from '../../src/backup/run-backup.js';
import type { BackupSource, SourceRun } from '../../src/backup/source.js';

let work: string;
let key: BackupKey;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'slipway-backup-direct-'));
  key = await generateBackupKey();
});

after(() => rmSync(work, { recursive: true, force: true }));

/** Like pg_dump: a command whose stdout is handed to zstd (openInto), or read by Node (open). */
function directSource(argv: string[], opened: { into: number; piped: number }): BackupSource {
  const run = (stdout?: Writable): SourceRun => {
    const child = spawnStage(argv, { env: process.env, stdin: 'ignore', ...(stdout ? { stdout } : {}), failCode: 'SLW_BACKUP_SOURCE_FAILED' });
    return { stream: child.output, children: [child], cleanup: async () => undefined };
  };
  return {
    name: 'fake',
    kind: 'postgres',
    suffix: '.pgdump',
    minBytes: 512,
    headBytes: 5,
    checkHead: (head) => (head.toString('latin1') === 'PGDMP' ? undefined : 'it does not start like a pg_dump archive'),
    describe: () => ({ kind: 'postgres', host: 'fake', port: 1, database: 'fake', user: 'fake' }),
    toolVersions: async () => ({ fake: '1' }),
    open: async () => {
      opened.piped += 1;
      return run();
    },
    openInto: async (_signal, stdout) => {
      opened.into += 1;
      return run(stdout);
    },
  };
}

test('fed straight into zstd: non-zero exit, 111 bytes, no output, a missing program make no backup', async () => {
  const target = new LocalTarget(join(work, 'target-fail'));
  const repo = new BackupRepository(target);
  const opened = { into: 0, piped: 0 };
  const cases: [string[], string, RegExp][] = [
    [['sh', '-c', 'printf PGDMP; head -c 2000000 /dev/urandom; echo "connection lost" >&2; exit 3'], 'SLW_BACKUP_SOURCE_FAILED', /exited with status 3: connection lost/],
    [['sh', '-c', 'printf PGDMP; head -c 200000 /dev/zero; kill -9 $$'], 'SLW_BACKUP_SOURCE_FAILED', /killed by SIGKILL/],
    [['sh', '-c', 'printf PGDMP; head -c 106 /dev/zero'], 'SLW_BACKUP_OUTPUT_TOO_SMALL', /111 bytes, less than the 512/],
    [['true'], 'SLW_BACKUP_OUTPUT_TOO_SMALL', /it is 0 bytes/],
    [['/nonexistent/pg_dump'], 'SLW_BACKUP_TOOL_MISSING', /not installed/],
  ];
  for (const [argv, code, message] of cases) {
    await assert.rejects(runBackup({ source: directSource(argv, opened), repo, key, lockDir: join(work, 'locks') }), (err: { code?: string; message?: string }) => {
      assert.equal(err.code, code, err.message);
      assert.match(err.message ?? '', message);
      return true;
    });
  }
  assert.deepEqual(opened, { into: cases.length, piped: 0 }, 'every run took the direct path');
  assert.deepEqual(await target.list(), [], 'nothing stored, not even an orphan');
});

test('fed straight into zstd: the raw size is what zstd read; garbage is caught by the verify that follows', async () => {
  const repo = new BackupRepository(new LocalTarget(join(work, 'target-ok')));
  const opened = { into: 0, piped: 0 };
  // 300 000 zero bytes: big enough for the floor; the format is pg_restore's call.
  const garbage = ['head', '-c', '300000', '/dev/zero'];
  const outcome = await runBackup({ source: directSource(garbage, opened), repo, key, lockDir: join(work, 'locks') });
  assert.deepEqual(opened, { into: 1, piped: 0 });
  assert.deepEqual(outcome.manifest.raw, { bytes: 300_000 });
  assert.equal(outcome.verification?.ok, false, 'pg_restore --list refuses it');
  assert.equal(!outcome.verification?.ok && outcome.verification?.error.code, 'SLW_BACKUP_CORRUPT');
  assert.notEqual((await repo.list())[0]?.state, 'verified');

  // Without a verify to follow (verify: false), the bytes go through Node and its format check.
  await assert.rejects(runBackup({ source: directSource(garbage, opened), repo, key, lockDir: join(work, 'locks'), verify: false }), (err: { code?: string; message?: string }) => {
    assert.equal(err.code, 'SLW_BACKUP_OUTPUT_TOO_SMALL');
    assert.match(err.message ?? '', /does not start like a pg_dump archive/);
    return true;
  });
  assert.deepEqual(opened, { into: 1, piped: 1 });
});
