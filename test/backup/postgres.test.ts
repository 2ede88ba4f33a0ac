import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateBackupKey } from '../../src/backup/age-adapter.js';
import type { BackupEvent } from '../../src/backup/events.js';
import { LocalTarget } from '../../src/backup/local-target.js';
import { PostgresSource } from '../../src/backup/postgres-source.js';
import { BackupRepository } from '../../src/backup/repository.js';
import { restoreBackup } from '../../src/backup/restore.js';
import { runBackup } from '../../src/backup/run-backup.js';
import { verifyBackup } from '../../src/backup/verify.js';
import { runCapture } from '../../src/release/run-capture.js';
import { startPgCluster, type PgCluster } from '../helpers/postgres-cluster.js';
import { comparableDump, seedDatabase } from '../helpers/postgres-data.js';

let pg: PgCluster | undefined;
let work: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'slipway-backup-pg-'));
  pg = await startPgCluster();
  await seedDatabase(pg, 'app', 50_000);
});

after(async () => {
  await pg?.stop();
  rmSync(work, { recursive: true, force: true });
});

function cluster(): PgCluster {
  assert.ok(pg, 'the cluster started');
  return pg;
}

test('backup, verify, restore into a scratch database: pg_dump of the copy equals the source', async () => {
  const pg = cluster();
  const key = await generateBackupKey();
  const repo = new BackupRepository(new LocalTarget(join(work, 'target-1')));
  const events: BackupEvent[] = [];
  const cmdlines: string[] = [];
  const outcome = await runBackup({
    source: new PostgresSource({ name: 'db', url: pg.url('app') }),
    repo,
    key,
    lockDir: join(work, 'locks'),
    releaseId: 'r-20250301-1',
    emit: (event) => {
      events.push(event);
      if (event.type === 'backup.source-started') {
        for (const pid of event.pids) cmdlines.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '));
      }
    },
  });
  const { manifest } = outcome;
  assert.equal(outcome.verification?.ok, true, JSON.stringify(outcome.verification));
  // pg_dump feeds zstd directly: the raw size is the one zstd counted (checked on read-back, with
  // zstd's own content checksum); the raw SHA-256 is the verify's, recorded with it.
  assert.deepEqual(outcome.verification.ok && outcome.verification.record.checks, ['size', 'sha256', 'decrypt', 'decompress', 'raw-size', 'pg_restore --list']);
  assert.equal(manifest.raw.sha256, undefined);
  assert.match((outcome.verification.ok && outcome.verification.record.rawSha256) || '', /^[0-9a-f]{64}$/);
  assert.equal(manifest.compression, 'zstd');
  assert.deepEqual(manifest.encryption, { kind: 'age', recipient: key.recipient });
  assert.equal(manifest.releaseId, 'r-20250301-1');
  assert.match(manifest.tools['pg_dump'] ?? '', /pg_dump \(PostgreSQL\) \d+/);
  assert.match(manifest.tools['compression'] ?? '', /zstandard/i);
  assert.ok(manifest.raw.bytes > 1.5 * manifest.object.bytes, `compressed ${manifest.raw.bytes} → ${manifest.object.bytes}`);
  assert.ok(manifest.object.key.endsWith('.pgdump.zst.age'));

  // The password reaches pg_dump through its environment only: not argv, not the manifest.
  assert.ok(cmdlines.some((line) => line.includes('pg_dump') && line.includes('--dbname=postgres://postgres@127.0.0.1')), cmdlines.join('\n'));
  for (const line of cmdlines) assert.ok(!line.includes(pg.password), `password in argv: ${line}`);
  assert.ok(!JSON.stringify(manifest).includes(pg.password));
  assert.deepEqual(
    events.map((e) => e.type),
    ['backup.started', 'backup.source-started', 'backup.committed', 'backup.verified'],
  );

  const listed = await repo.list();
  assert.deepEqual(listed.map((e) => [e.id, e.state]), [[manifest.id, 'verified']]);

  const restored = await restoreBackup({ repo, id: manifest.id, key, to: pg.url('postgres') });
  assert.match(restored.restoredTo, /^app_restore_\d{8}t\d{6}$/);
  assert.equal(await comparableDump(pg, restored.restoredTo), await comparableDump(pg, 'app'));
  // The drill's kind of check: a query answers the same on the copy.
  const check = 'SELECT count(*), sum(score), max(at) FROM users JOIN events ON events.user_id = users.id';
  assert.equal(await pg.sql(restored.restoredTo, check), await pg.sql('app', check));

  // A second scratch restore under the same name is refused, never merged into the first.
  await assert.rejects(
    restoreBackup({ repo, id: manifest.id, key, to: pg.url('postgres'), mode: { kind: 'scratch', into: restored.restoredTo } }),
    { code: 'SLW_BACKUP_RESTORE_TARGET_EXISTS' },
  );
});

test('the age CLI decrypts a backup and plain pg_restore restores it, without slipway', async () => {
  const pg = cluster();
  const key = await generateBackupKey();
  const target = new LocalTarget(join(work, 'target-2'));
  const { manifest } = await runBackup({
    source: new PostgresSource({ name: 'db', url: pg.url('app') }),
    repo: new BackupRepository(target),
    key,
    lockDir: join(work, 'locks'),
  });
  const keyFile = join(work, 'identity.txt');
  writeFileSync(keyFile, `${key.identity}\n`, { mode: 0o600 });
  const object = join(target.root, manifest.object.key);
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', PGPASSWORD: pg.password };
  const run = async (argv: string[]): Promise<void> => {
    const r = await runCapture(argv, work, env);
    assert.equal(r.code, 0, `${argv[0]}: ${r.stderr}`);
  };
  await run(['age', '--decrypt', '--identity', keyFile, '--output', join(work, 'plain.zst'), object]);
  await run(['zstd', '-d', '-q', join(work, 'plain.zst'), '-o', join(work, 'plain.pgdump')]);
  await pg.sql('postgres', 'CREATE DATABASE by_hand');
  await run([join(pg.bin, 'pg_restore'), '--exit-on-error', '-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres', '-d', 'by_hand', join(work, 'plain.pgdump')]);
  assert.equal(await comparableDump(pg, 'by_hand'), await comparableDump(pg, 'app'));
});

test('in-place restore runs the safety hook first and puts the database back as it was', async () => {
  const pg = cluster();
  const key = await generateBackupKey();
  const repo = new BackupRepository(new LocalTarget(join(work, 'target-3')));
  const lockDir = join(work, 'locks');
  const { manifest } = await runBackup({ source: new PostgresSource({ name: 'db', url: pg.url('app') }), repo, key, lockDir });
  await restoreBackup({ repo, id: manifest.id, key, to: pg.url('postgres'), mode: { kind: 'scratch', into: 'live_copy' } });
  await pg.sql('live_copy', `DELETE FROM events WHERE id % 2 = 0; INSERT INTO users (email) VALUES ('late@example.com'); ALTER TABLE users ADD COLUMN extra int`);
  const order: string[] = [];
  await restoreBackup({
    repo,
    id: manifest.id,
    key,
    to: pg.url('live_copy'),
    mode: {
      kind: 'in-place',
      force: true,
      beforeOverwrite: async (m) => {
        order.push(`hook ${m.id}`);
        order.push(`rows ${await pg.sql('live_copy', 'SELECT count(*) FROM events')}`);
      },
    },
  });
  assert.deepEqual(order, [`hook ${manifest.id}`, 'rows 25000']);
  assert.equal(await comparableDump(pg, 'live_copy'), await comparableDump(pg, 'app'));
  const verified = await verifyBackup({ repo, backup: manifest.id, key });
  assert.equal(verified.ok, true);
});
