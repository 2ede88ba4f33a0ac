// Acceptance 4 of issue 8: the S3 target against a real S3-compatible server (the npm `s3rver`,
// its own process on loopback). s3rver stores whatever bytes it is sent, so integrity is proved
// by hash: the object read back and the very file s3rver wrote have the manifest's SHA-256.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { generateBackupKey, type BackupKey } from '../../src/backup/age-adapter.js';
import { BackupService } from '../../src/backup/backup-service.js';
import { DirSource } from '../../src/backup/dir-source.js';
import { PostgresSource } from '../../src/backup/postgres-source.js';
import { BackupRepository } from '../../src/backup/repository.js';
import { restoreBackup } from '../../src/backup/restore.js';
import { runBackup } from '../../src/backup/run-backup.js';
import { S3Target, type S3TargetOptions } from '../../src/backup/s3-target.js';
import { SqliteSource } from '../../src/backup/sqlite-source.js';
import { verifyBackup } from '../../src/backup/verify.js';
import type { BackupsSpec } from '../../src/config/backups-model.js';
import { loadConfig } from '../../src/config/load.js';
import { runCapture } from '../../src/release/run-capture.js';
import { startPgCluster } from '../helpers/postgres-cluster.js';
import { comparableDump, seedDatabase } from '../helpers/postgres-data.js';
import { S3RVER_ACCESS_KEY, S3RVER_SECRET_KEY, startS3rver, type S3rver } from '../helpers/s3rver.js';
import { makeTree, treeOf } from '../helpers/tree.js';

const BUCKET = 'slipway-backups';
let work: string;
let key: Required<BackupKey>;
let s3: S3rver | undefined;
const targets: S3Target[] = [];

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'slipway-backup-s3-'));
  key = await generateBackupKey();
  s3 = await startS3rver([BUCKET]);
});

after(async () => {
  for (const t of targets) t.close();
  await s3?.stop();
  rmSync(work, { recursive: true, force: true });
});

function server(): S3rver {
  assert.ok(s3, 's3rver is running');
  return s3;
}

function s3Target(o: Partial<S3TargetOptions> = {}): S3Target {
  const t = new S3Target({
    endpoint: server().endpoint,
    bucket: BUCKET,
    prefix: 'app/',
    region: 'us-east-1',
    accessKeyId: S3RVER_ACCESS_KEY,
    secretAccessKey: S3RVER_SECRET_KEY,
    forcePathStyle: true,
    maxAttempts: 1,
    ...o,
  });
  targets.push(t);
  return t;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

async function streamSha256(stream: Readable): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

test('directory → S3: the object read back and the file s3rver stored have the manifest SHA-256; restore is byte-identical', async () => {
  const dir = join(work, 'uploads');
  makeTree(dir);
  const target = s3Target();
  const repo = new BackupRepository(target);
  const { manifest, verification } = await runBackup({ source: new DirSource({ name: 'uploads', path: dir }), repo, key, lockDir: join(work, 'locks') });
  assert.equal(verification?.ok, true, verification && !verification.ok ? verification.error.message : '');
  assert.match(target.description, /^s3 http:\/\/127\.0\.0\.1:\d+\/slipway-backups\/app\/$/);

  const read = await streamSha256(await target.get(manifest.object.key));
  assert.deepEqual(read, { sha256: manifest.object.sha256, bytes: manifest.object.bytes }, 'GET returns exactly the bytes hashed on the way in');
  const onDisk = readFileSync(server().objectFile(BUCKET, `app/${manifest.object.key}`));
  assert.equal(sha256(onDisk), manifest.object.sha256, 's3rver stored the plain bytes (no aws-chunked framing)');

  assert.deepEqual((await target.list()).sort(), [`uploads/${manifest.id}.manifest.json`, `uploads/${manifest.id}.verify.json`, manifest.object.key].sort());
  const [entry] = await repo.list();
  assert.equal(entry?.state, 'verified');

  const scratch = join(work, 'uploads-copy');
  await restoreBackup({ repo, id: manifest.id, key, to: scratch });
  assert.deepEqual(treeOf(scratch), treeOf(dir));
});

test('multipart: a 12 MB object goes up in 5 MB parts, reads back with its hash, restores; a flipped byte in s3rver\'s file is caught', async () => {
  const dir = join(work, 'big');
  makeTree(dir, 12 * 1024 * 1024);
  const target = s3Target({ partSize: 5 * 1024 * 1024 });
  const repo = new BackupRepository(target);
  const partsBefore = server().partsStored();
  const { manifest, verification } = await runBackup({ source: new DirSource({ name: 'big', path: dir }), repo, key, lockDir: join(work, 'locks') });
  assert.equal(verification?.ok, true);
  assert.ok(manifest.object.bytes > 12 * 1024 * 1024, `object is ${manifest.object.bytes} bytes`);
  assert.equal(server().partsStored() - partsBefore, 3, 'three parts: 5 + 5 + the rest');

  const file = server().objectFile(BUCKET, `app/${manifest.object.key}`);
  assert.equal(sha256(readFileSync(file)), manifest.object.sha256);
  assert.deepEqual(await streamSha256(await target.get(manifest.object.key)), { sha256: manifest.object.sha256, bytes: manifest.object.bytes });
  const scratch = join(work, 'big-copy');
  await restoreBackup({ repo, id: manifest.id, key, to: scratch });
  assert.deepEqual(treeOf(scratch), treeOf(dir));

  // One byte flipped in the middle of the stored object: same size, same ETag (s3rver caches it).
  const bytes = readFileSync(file);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = bytes[at]! ^ 0x01;
  writeFileSync(file, bytes);
  const outcome = await verifyBackup({ repo, backup: manifest.id, key });
  assert.equal(outcome.ok, false);
  assert.equal(!outcome.ok && outcome.error.code, 'SLW_BACKUP_CORRUPT');
  assert.equal((await repo.list())[0]?.state, 'failed', 'never listed as good again');
  await assert.rejects(restoreBackup({ repo, id: manifest.id, key, to: join(work, 'big-copy-2') }), (err: { code?: string }) => {
    assert.match(err.code ?? '', /SLW_BACKUP_(CORRUPT|RESTORE_FAILED)/);
    return true;
  });
  assert.equal(existsSync(join(work, 'big-copy-2')), false, 'nothing restored from a corrupt backup');
});

test('a body that fails in the middle of a multipart upload leaves no object, and the failure keeps its cause', async () => {
  const target = s3Target({ partSize: 5 * 1024 * 1024 });
  const failing = Readable.from(
    (async function* () {
      for (let i = 0; i < 7; i++) yield Buffer.alloc(1024 * 1024, i);
      throw new Error('pg_dump: connection lost');
    })(),
  );
  await assert.rejects(target.put('db/partial.pgdump.zst.age', failing, new AbortController().signal), /connection lost/);
  assert.deepEqual((await target.list()).filter((k) => k.startsWith('db/')), [], 'S3 never lists an unfinished upload');
  assert.equal(await target.stat('db/partial.pgdump.zst.age'), undefined);
});

test('a failing source makes no backup on S3: nothing listed, not even an orphan', async () => {
  const target = s3Target({ prefix: 'failing/' });
  const repo = new BackupRepository(target);
  await assert.rejects(runBackup({ source: new SqliteSource({ name: 'cache', path: join(work, 'missing.db') }), repo, key, lockDir: join(work, 'locks') }), {
    code: 'SLW_BACKUP_SOURCE_INVALID',
  });
  assert.deepEqual(await target.list(), []);
});

test('refused credentials and a missing bucket: clear errors with the S3 code, no secret in them', async () => {
  const secret = `sk-${randomBytes(12).toString('hex')}`;
  const access = `AK${randomBytes(8).toString('hex').toUpperCase()}`;
  const wrong = s3Target({ accessKeyId: access, secretAccessKey: secret });
  const check = (code: string, s3Code: RegExp) => (err: { code?: string; message?: string; details?: Record<string, unknown> }) => {
    assert.equal(err.code, code, err.message);
    assert.match(String(err.details?.['s3Code']), s3Code);
    for (const text of [err.message ?? '', JSON.stringify(err)]) {
      assert.ok(!text.includes(secret) && !text.includes(access), `no credential in: ${text}`);
    }
    return true;
  };
  await assert.rejects(wrong.list(), check('SLW_BACKUP_TARGET_READ_FAILED', /InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied/));
  await assert.rejects(wrong.putSmall('x/y.json', Buffer.from('{}')), check('SLW_BACKUP_TARGET_WRITE_FAILED', /InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied/));
  const missing = s3Target({ bucket: 'no-such-bucket' });
  await assert.rejects(missing.list(), check('SLW_BACKUP_TARGET_READ_FAILED', /NoSuchBucket/));
  await assert.rejects(missing.put('x/y.bin', Readable.from([Buffer.alloc(10)]), new AbortController().signal), check('SLW_BACKUP_TARGET_WRITE_FAILED', /NoSuchBucket/));
  // Through the whole pipeline: the target's error is the one reported, not a broken pipe upstream.
  const dir = join(work, 'to-missing-bucket');
  makeTree(dir);
  await assert.rejects(
    runBackup({ source: new DirSource({ name: 'files', path: dir }), repo: new BackupRepository(missing), key, lockDir: join(work, 'locks') }),
    check('SLW_BACKUP_TARGET_WRITE_FAILED', /NoSuchBucket/),
  );
});

test('config: targets.<name>.s3 with ${secret:…} credentials; the service writes to the local primary, copies to S3 and verifies both', async () => {
  const dir = join(work, 'cfg');
  mkdirSync(dir, { recursive: true });
  const db = join(dir, 'app.db');
  const r = await runCapture(['sqlite3', db, 'CREATE TABLE t (v TEXT); INSERT INTO t VALUES (hex(randomblob(2000)));'], dir);
  assert.equal(r.code, 0, r.stderr);
  writeFileSync(
    join(dir, 'slipway.yaml'),
    `version: 1
secrets:
  S3_KEY: {}
  S3_SECRET: {}
backups:
  key: ${key.identity}
  targets:
    local: { dir: ./backups }
    offsite:
      s3: { endpoint: "${server().endpoint}", bucket: ${BUCKET}, prefix: cfg, region: us-east-1,
            accessKey: "\${secret:S3_KEY}", secretKey: "\${secret:S3_SECRET}" }
  sources:
    cache: { sqlite: ./app.db }
services:
  web:
    run: node server.js
`,
  );
  const config = await loadConfig({ file: join(dir, 'slipway.yaml') });
  const spec: BackupsSpec = config.backups!;
  assert.deepEqual(
    spec.targets.map((t) => [t.name, t.kind]),
    [
      ['local', 'dir'],
      ['offsite', 's3'],
    ],
  );
  const offsite = spec.targets[1]!;
  assert.ok(offsite.kind === 's3');
  assert.equal(offsite.s3.prefix, 'cfg/', 'a "/" is added to the prefix');
  assert.ok(!offsite.s3.secretKey.includes(S3RVER_SECRET_KEY), 'the config holds a reference, not the value');
  const stored: Record<string, string> = { S3_KEY: S3RVER_ACCESS_KEY, S3_SECRET: S3RVER_SECRET_KEY };
  const resolve = async (value: string): Promise<string> => {
    const name = Object.keys(stored).find((n) => value.includes(n));
    return name ? stored[name]! : value;
  };
  const events: string[] = [];
  const service = new BackupService({ spec, stateDir: join(dir, 'state'), resolve, emit: (e, target) => void events.push(`${e.type}@${target}`) });
  const [manifest] = await service.run();
  assert.ok(manifest);
  const listed = await service.list();
  assert.deepEqual(listed.map((e) => [e.target, e.id, e.state]).sort(), [
    ['local', manifest.id, 'verified'],
    ['offsite', manifest.id, 'verified'],
  ]);
  assert.ok(events.includes('backup.committed@offsite') && events.includes('backup.verified@offsite'), events.join(' '));
  const onDisk = readFileSync(server().objectFile(BUCKET, `cfg/${manifest.object.key}`));
  assert.equal(sha256(onDisk), manifest.object.sha256, 'the copy on S3 has the manifest SHA-256');

  // The local copy goes; restore reads the verified copy on S3.
  rmSync(join(dir, 'backups'), { recursive: true, force: true });
  const restored = await service.restore(manifest.id, { force: false, into: join(dir, 'restored.db') });
  assert.equal(sha256(readFileSync(restored.restoredTo)), manifest.raw.sha256);
  const verify = await service.verify();
  assert.deepEqual(verify.map((v) => [v.target, v.ok]), [['offsite', true]]);
  // Prune on S3: retention per target; the sweep of stale multipart uploads copes with a server that cannot list them.
  const pruned = await service.prune(false);
  assert.deepEqual(pruned.removed, []);
  assert.deepEqual(pruned.kept.map((k) => k.entry.id), [manifest.id]);
  for (const t of (await service.targets()).map((x) => x.repo.target)) if (t instanceof S3Target) t.close();
});

test('PostgreSQL → S3: backup, pg_restore --list on read-back, restore into a scratch database identical to the source', { timeout: 120_000 }, async () => {
  const pg = await startPgCluster();
  try {
    await seedDatabase(pg, 'app', 20_000);
    const target = s3Target({ prefix: 'pg/', partSize: 5 * 1024 * 1024 });
    const repo = new BackupRepository(target);
    const { manifest, verification } = await runBackup({ source: new PostgresSource({ name: 'db', url: pg.url('app') }), repo, key, lockDir: join(work, 'locks') });
    assert.equal(verification?.ok, true, JSON.stringify(verification));
    assert.ok(verification?.ok && verification.record.checks.includes('pg_restore --list'));
    assert.equal(sha256(readFileSync(server().objectFile(BUCKET, `pg/${manifest.object.key}`))), manifest.object.sha256);
    const restored = await restoreBackup({ repo, id: manifest.id, key, to: pg.url('postgres') });
    assert.equal(await comparableDump(pg, restored.restoredTo), await comparableDump(pg, 'app'));
    assert.ok(!JSON.stringify(manifest).includes(pg.password), 'no database password in the manifest');
  } finally {
    await pg.stop();
  }
});
