import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, openSync, readSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateBackupKey, type BackupKey } from '../../src/backup/age-adapter.js';
import type { BackupEvent } from '../../src/backup/events.js';
import { LocalTarget } from '../../src/backup/local-target.js';
import { PostgresSource } from '../../src/backup/postgres-source.js';
import { pruneBackups } from '../../src/backup/prune.js';
import { BackupRepository, manifestKey } from '../../src/backup/repository.js';
import { restoreBackup } from '../../src/backup/restore.js';
import { runBackup } from '../../src/backup/run-backup.js';
import { verifyBackup } from '../../src/backup/verify.js';
import { isPidAlive } from '../../src/lib/pid-alive.js';
import { startPgCluster, type PgCluster } from '../helpers/postgres-cluster.js';
import { seedDatabase } from '../helpers/postgres-data.js';

let pg: PgCluster | undefined;
let work: string;
let key: Required<BackupKey>;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'slipway-backup-faults-'));
  key = await generateBackupKey();
  pg = await startPgCluster();
  await seedDatabase(pg, 'small', 5_000);
  await seedDatabase(pg, 'big', 250_000); // ~40 MB of dump: long enough to be killed mid-stream
});

after(async () => {
  await pg?.stop();
  rmSync(work, { recursive: true, force: true });
});

function setup(name: string): { repo: BackupRepository; target: LocalTarget; events: BackupEvent[]; emit: (e: BackupEvent) => void } {
  const target = new LocalTarget(join(work, name));
  const events: BackupEvent[] = [];
  return { repo: new BackupRepository(target), target, events, emit: (e) => events.push(e) };
}

function source(database: string): PostgresSource {
  assert.ok(pg, 'the cluster started');
  return new PostgresSource({ name: 'db', url: pg.url(database) });
}

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((p) => statSync(join(dir, p)).isFile());
  } catch {
    return [];
  }
}

async function scratchDatabases(): Promise<string> {
  return pg!.sql('postgres', "SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE '%restore%'");
}

/** What every fault must give: not good in the listing, verify fails, restore refused, alerts raised. */
async function assertRefused(repo: BackupRepository, id: string, code: string, restoreKey: BackupKey, events: BackupEvent[]): Promise<void> {
  const listed = (await repo.list({ recipient: restoreKey.recipient })).find((e) => e.id === id);
  assert.notEqual(listed?.state, 'verified', `listed as good: ${JSON.stringify(listed)}`);
  const verified = await verifyBackup({ repo, backup: id, key: restoreKey, emit: (e) => events.push(e) });
  assert.equal(verified.ok, false);
  assert.equal(!verified.ok && verified.error.code, code, !verified.ok ? verified.error.message : '');
  assert.notEqual((await repo.list()).find((e) => e.id === id)?.state, 'verified');
  const before = await scratchDatabases();
  await assert.rejects(restoreBackup({ repo, id, key: restoreKey, to: pg!.url('postgres'), emit: (e) => events.push(e) }), { code });
  assert.equal(await scratchDatabases(), before, 'a refused restore creates nothing');
  assert.ok(events.some((e) => e.type === 'backup.verify-failed'));
  assert.ok(events.some((e) => e.type === 'backup.restore-refused' && e.error.code === code));
}

test('pg_dump killed mid-stream: the backup fails loudly and leaves nothing behind', async () => {
  const { repo, target, events, emit } = setup('killed');
  let pids: readonly number[] = [];
  let killed = false;
  await assert.rejects(
    runBackup({
      source: source('big'),
      repo,
      key,
      lockDir: join(work, 'locks'),
      progressEveryBytes: 1 << 20,
      emit: (event) => {
        emit(event);
        if (event.type === 'backup.source-started') pids = event.pids;
        if (event.type === 'backup.progress' && !killed) {
          killed = true;
          const dump = pids.find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('pg_dump'));
          assert.ok(dump, 'found pg_dump');
          process.kill(dump, 'SIGKILL');
        }
      },
    }),
    (err: { code?: string; message?: string }) => {
      assert.equal(err.code, 'SLW_BACKUP_SOURCE_FAILED');
      assert.match(err.message ?? '', /pg_dump was killed by SIGKILL/);
      return true;
    },
  );
  assert.ok(killed, 'the dump was still running at the first progress report');
  assert.deepEqual(await repo.list(), []);
  assert.deepEqual(filesUnder(target.root), [], 'no object, no manifest, no temp file');
  for (const pid of pids) assert.equal(isPidAlive(pid) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '), false, `pid ${pid} still runs`);
  assert.equal(events.at(-1)?.type, 'backup.failed');
  // The lock went with the failed run: the next backup of the source starts at once.
  const next = await runBackup({ source: source('small'), repo, key, lockDir: join(work, 'locks') });
  assert.equal(next.verification?.ok, true);
});

test('disk full on the target (a 2 MiB tmpfs): the backup fails and no partial object is kept', async () => {
  const mount = join(work, 'full');
  mkdirSync(mount);
  // The tests run as root (CI does); a tmpfs the test mounts is the one honest full disk.
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mount], { stdio: 'pipe' });
  try {
    const target = new LocalTarget(join(mount, 'backups'));
    const repo = new BackupRepository(target);
    const events: BackupEvent[] = [];
    await assert.rejects(runBackup({ source: source('big'), repo, key, lockDir: join(work, 'locks'), emit: (e) => events.push(e) }), (err: { code?: string; message?: string }) => {
      assert.equal(err.code, 'SLW_DISK_FULL');
      assert.match(err.message ?? '', /the disk is full \(ENOSPC\); the partial file was removed/);
      return true;
    });
    assert.deepEqual(await repo.list(), []);
    assert.deepEqual(filesUnder(target.root), [], 'the temp file was removed');
    assert.equal(events.at(-1)?.type, 'backup.failed');
  } finally {
    execFileSync('umount', [mount]);
  }
});

function flipByte(path: string, at: number): void {
  const fd = openSync(path, 'r+');
  try {
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0x01;
    writeSync(fd, byte, 0, 1, at);
  } finally {
    closeSync(fd);
  }
}

test('one byte flipped in the object: never good, verify catches it, restore refuses it', async () => {
  const { repo, target, events } = setup('flipped');
  for (const where of ['middle', 'last'] as const) {
    const { manifest, verification } = await runBackup({ source: source('small'), repo, key, lockDir: join(work, 'locks') });
    assert.equal(verification?.ok, true);
    const path = join(target.root, manifest.object.key);
    flipByte(path, where === 'middle' ? Math.floor(manifest.object.bytes / 2) : manifest.object.bytes - 1);
    await assertRefused(repo, manifest.id, 'SLW_BACKUP_CORRUPT', key, events);
    assert.equal((await repo.list()).find((e) => e.id === manifest.id)?.state, 'failed');
  }
  // Flipped before any verification: listed as unverified (not good), and caught the same way.
  const { manifest } = await runBackup({ source: source('small'), repo, key, lockDir: join(work, 'locks'), verify: false });
  assert.equal((await repo.list()).find((e) => e.id === manifest.id)?.state, 'unverified');
  flipByte(join(target.root, manifest.object.key), 100);
  await assertRefused(repo, manifest.id, 'SLW_BACKUP_CORRUPT', key, events);
});

test('wrong key: never good, verify catches it, restore refuses it; the right key still works', async () => {
  const { repo, events } = setup('wrong-key');
  const { manifest } = await runBackup({ source: source('small'), repo, key, lockDir: join(work, 'locks') });
  const other = await generateBackupKey();
  await assertRefused(repo, manifest.id, 'SLW_BACKUP_KEY_MISMATCH', other, events);
  assert.equal((await repo.list())[0]?.state, 'failed');
  // The backup itself is fine: verifying with its own key makes it good again.
  assert.equal((await verifyBackup({ repo, backup: manifest.id, key })).ok, true);
  assert.equal((await repo.list())[0]?.state, 'verified');
  // Only a recipient (no identity): verify cannot decrypt and says so.
  const recipientOnly = await verifyBackup({ repo, backup: manifest.id, key: { recipient: key.recipient } });
  assert.equal(!recipientOnly.ok && recipientOnly.error.code, 'SLW_BACKUP_KEY_MISSING');
});

test('truncated manifest: listed as broken, verify catches it, restore refuses it, prune keeps it', async () => {
  const { repo, target, events } = setup('truncated');
  const { manifest } = await runBackup({ source: source('small'), repo, key, lockDir: join(work, 'locks') });
  const path = join(target.root, manifestKey('db', manifest.id));
  truncateSync(path, Math.floor(statSync(path).size / 2));
  const listed = await repo.list();
  assert.equal(listed[0]?.state, 'broken');
  assert.match(listed[0]?.problem ?? '', /not complete JSON/);
  await assertRefused(repo, manifest.id, 'SLW_BACKUP_MANIFEST_INVALID', key, events);
  const report = await pruneBackups({ repo, policy: { last: 0, daily: 0, weekly: 0, monthly: 0 }, dryRun: false });
  assert.deepEqual(report.removed, []);
  assert.deepEqual(report.broken.map((e) => e.id), [manifest.id]);
  assert.ok(filesUnder(target.root).some((p) => p.endsWith('.age')), 'its object is still there');
});
