import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateBackupKey, parseBackupKey, type BackupKey } from '../../src/backup/age-adapter.js';
import { spawnStage } from '../../src/backup/child-stage.js';
import type { Codec } from '../../src/backup/compression.js';
import { DirSource } from '../../src/backup/dir-source.js';
import { LocalTarget } from '../../src/backup/local-target.js';
import { BackupRepository } from '../../src/backup/repository.js';
import { restoreBackup } from '../../src/backup/restore.js';
import { runBackup } from '../../src/backup/run-backup.js';
import type { BackupSource, SourceRun } from '../../src/backup/source.js';
import { SqliteSource } from '../../src/backup/sqlite-source.js';
import { verifyBackup } from '../../src/backup/verify.js';
import { runCapture } from '../../src/release/run-capture.js';
import { makeTree, treeOf } from '../helpers/tree.js';

let work: string;
let key: Required<BackupKey>;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'slipway-backup-files-'));
  key = await generateBackupKey();
});

after(() => rmSync(work, { recursive: true, force: true }));

async function sqlite(db: string, sql: string): Promise<string> {
  const r = await runCapture(['sqlite3', '-bail', db, sql], work);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

test('SQLite in WAL mode: online backup, verify, restore to a scratch file with the same content', async () => {
  const db = join(work, 'app.db');
  await sqlite(db, `PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) INSERT INTO t (v) SELECT hex(randomblob(40)) FROM n;`);
  const repo = new BackupRepository(new LocalTarget(join(work, 'sqlite-target')));
  const { manifest, verification } = await runBackup({ source: new SqliteSource({ name: 'cache', path: db }), repo, key, lockDir: join(work, 'locks') });
  assert.equal(verification?.ok, true);
  assert.ok(manifest.object.key.endsWith('.sqlite.zst.age'));
  const { restoredTo } = await restoreBackup({ repo, id: manifest.id, key });
  assert.match(restoredTo, /app\.db\.restore\.\d{8}t\d{6}$/);
  assert.equal(await sqlite(restoredTo, '.dump'), await sqlite(db, '.dump'));
  assert.equal((await sqlite(restoredTo, 'PRAGMA integrity_check')).trim(), 'ok');
  await assert.rejects(restoreBackup({ repo, id: manifest.id, key, mode: { kind: 'scratch', into: restoredTo } }), { code: 'SLW_BACKUP_RESTORE_TARGET_EXISTS' });
  // A missing database is an error, never an empty backup (sqlite3 would create the file).
  await assert.rejects(runBackup({ source: new SqliteSource({ name: 'cache', path: join(work, 'nope.db') }), repo, key, lockDir: join(work, 'locks') }), {
    code: 'SLW_BACKUP_SOURCE_INVALID',
  });
});

test('directory: modes, symlinks and contents come back; in place only through the safety hook', async () => {
  const dir = join(work, 'uploads');
  makeTree(dir);
  const expected = treeOf(dir);
  const repo = new BackupRepository(new LocalTarget(join(work, 'dir-target')));
  const { manifest } = await runBackup({ source: new DirSource({ name: 'uploads', path: dir }), repo, key, lockDir: join(work, 'locks') });
  const scratch = join(work, 'uploads-copy');
  await restoreBackup({ repo, id: manifest.id, key, to: scratch });
  assert.deepEqual(treeOf(scratch), expected);

  writeFileSync(join(dir, 'readme.txt'), 'changed');
  writeFileSync(join(dir, 'new.txt'), 'added later');
  const calls: string[] = [];
  await restoreBackup({
    repo,
    id: manifest.id,
    key,
    mode: { kind: 'in-place', force: true, beforeOverwrite: async (m) => void calls.push(`${m.id} ${readFileSync(join(dir, 'readme.txt'), 'utf8')}`) },
  });
  assert.deepEqual(calls, [`${manifest.id} changed`], 'the hook ran before the overwrite');
  assert.deepEqual(treeOf(dir), expected);
  assert.deepEqual(readdirSync(work).filter((n) => n.startsWith('.')), [], 'no temp or old trees left');
});

test('every codec round-trips; unencrypted needs the explicit opt-out and verifies without a key', async () => {
  const dir = join(work, 'codec-src');
  makeTree(dir);
  const repo = new BackupRepository(new LocalTarget(join(work, 'codec-target')));
  for (const codec of ['zstd', 'brotli', 'gzip', 'none'] satisfies Codec[]) {
    const { manifest, verification } = await runBackup({ source: new DirSource({ name: 'files', path: dir }), repo, key, codec, lockDir: join(work, 'locks') });
    assert.equal(verification?.ok, true, codec);
    assert.equal(manifest.compression, codec);
  }
  const plain = await runBackup({ source: new DirSource({ name: 'files', path: dir }), repo, key: 'unencrypted', lockDir: join(work, 'locks') });
  assert.deepEqual(plain.manifest.encryption, { kind: 'none' });
  assert.ok(plain.manifest.object.key.endsWith('.tar.zst'));
  assert.equal((await verifyBackup({ repo, backup: plain.manifest.id, key: undefined })).ok, true);
  assert.equal((await repo.list()).filter((e) => e.state === 'verified').length, 5);
});

test('a recipient alone can back up; the backup stays unverified until the identity verifies it', async () => {
  const dir = join(work, 'recipient-src');
  makeTree(dir);
  const repo = new BackupRepository(new LocalTarget(join(work, 'recipient-target')));
  const recipientOnly = await parseBackupKey(key.recipient);
  assert.equal(recipientOnly.identity, undefined);
  const { manifest, verification } = await runBackup({ source: new DirSource({ name: 'files', path: dir }), repo, key: recipientOnly, lockDir: join(work, 'locks') });
  assert.equal(verification, undefined);
  assert.equal((await repo.list())[0]?.state, 'unverified');
  assert.equal((await verifyBackup({ repo, backup: manifest.id, key })).ok, true);
  assert.equal((await repo.list())[0]?.state, 'verified');
  await assert.rejects(parseBackupKey('AGE-SECRET-KEY-1NOTAKEY'), { code: 'SLW_BACKUP_KEY_INVALID' });
  await assert.rejects(parseBackupKey('hunter2'), (err: Error) => !err.message.includes('hunter2'));
});

/** A source behind our own interface that runs a command: for what real dump tools rarely do on cue. */
function commandSource(argv: string[], minBytes = 512): BackupSource {
  return {
    name: 'fake',
    kind: 'postgres',
    suffix: '.pgdump',
    minBytes,
    headBytes: 5,
    checkHead: (head) => (head.toString('latin1') === 'PGDMP' ? undefined : 'it does not start like a pg_dump archive'),
    describe: () => ({ kind: 'postgres', host: 'fake', port: 1, database: 'fake', user: 'fake' }),
    toolVersions: async () => ({ fake: '1' }),
    open: async (): Promise<SourceRun> => {
      const child = spawnStage(argv, { env: process.env, stdin: 'ignore', failCode: 'SLW_BACKUP_SOURCE_FAILED' });
      return { stream: child.output, children: [child], cleanup: async () => undefined };
    },
  };
}

test('pipefail: a source that exits non-zero after plenty of output, or "succeeds" with 111 bytes or garbage, makes no backup', async () => {
  const target = new LocalTarget(join(work, 'fake-target'));
  const repo = new BackupRepository(target);
  const cases: [string[], string, RegExp][] = [
    [['sh', '-c', 'printf PGDMP; head -c 200000 /dev/zero; echo "connection lost" >&2; exit 3'], 'SLW_BACKUP_SOURCE_FAILED', /exited with status 3: connection lost/],
    [['sh', '-c', 'printf PGDMP; head -c 106 /dev/zero'], 'SLW_BACKUP_OUTPUT_TOO_SMALL', /111 bytes, less than the 512/],
    [['sh', '-c', 'head -c 100000 /dev/zero'], 'SLW_BACKUP_OUTPUT_TOO_SMALL', /does not start like a pg_dump archive/],
    [['true'], 'SLW_BACKUP_OUTPUT_TOO_SMALL', /it is empty/],
    [['/nonexistent/pg_dump'], 'SLW_BACKUP_TOOL_MISSING', /not installed/],
  ];
  for (const [argv, code, message] of cases) {
    await assert.rejects(runBackup({ source: commandSource(argv), repo, key, lockDir: join(work, 'locks') }), (err: { code?: string; message?: string }) => {
      assert.equal(err.code, code, err.message);
      assert.match(err.message ?? '', message);
      return true;
    });
  }
  assert.deepEqual(await target.list(), [], 'nothing stored, not even an orphan');
});

test('one backup per source at a time; a lock left by a dead process or past its expiry is taken over', async () => {
  const { acquireSourceLock } = await import('../../src/backup/source-lock.js');
  const lockDir = join(work, 'lock-test');
  const held = await acquireSourceLock(lockDir, 'db');
  await assert.rejects(acquireSourceLock(lockDir, 'db'), { code: 'SLW_BACKUP_IN_PROGRESS' });
  const dir = join(work, 'lock-src');
  makeTree(dir);
  const repo = new BackupRepository(new LocalTarget(join(work, 'lock-target')));
  await assert.rejects(runBackup({ source: new DirSource({ name: 'db', path: dir }), repo, key, lockDir }), { code: 'SLW_BACKUP_IN_PROGRESS' });
  const other = await acquireSourceLock(lockDir, 'other-source');
  await other.release();
  await held.release();
  await (await acquireSourceLock(lockDir, 'db')).release();

  const future = new Date(Date.now() + 3_600_000).toISOString();
  const dead = spawnStage(['true'], { env: process.env, stdin: 'ignore', failCode: 'SLW_BACKUP_SOURCE_FAILED' });
  await dead.exited;
  writeFileSync(join(lockDir, 'db.lock'), JSON.stringify({ token: 'x', pid: dead.pid, acquiredAt: future, expiresAt: future }));
  const fromDead = await acquireSourceLock(lockDir, 'db');
  await fromDead.release();
  writeFileSync(join(lockDir, 'db.lock'), JSON.stringify({ token: 'y', pid: process.pid, acquiredAt: future, expiresAt: new Date(Date.now() - 1000).toISOString() }));
  const fromExpired = await acquireSourceLock(lockDir, 'db');
  await fromExpired.release();
  assert.deepEqual(readdirSync(lockDir), [], 'released locks and stale ones are gone');
});
