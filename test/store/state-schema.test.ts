import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/migrations.js';
import { refuseLostState, releasesOnDisk } from '../../src/daemon/state-guard.js';
import { SlipwayError } from '../../src/errors.js';

async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'slipway-state-'));
}

const sha = async (file: string): Promise<string> => createHash('sha256').update(await readFile(file)).digest('hex');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof SlipwayError ? err.code : `not coded: ${String(err)}`;
  }
  return undefined;
}

/** A state file as slipway 0.1.0 wrote it: migration 1's tables, no user_version. */
function writeV1(file: string, rows: { service: string; id: string; seq: number }[]): void {
  const db = new Database(file);
  db.exec(MIGRATIONS[0]!.sql);
  for (const r of rows) {
    db.prepare('INSERT OR REPLACE INTO releases (id, service, seq, data) VALUES (?, ?, ?, ?)').run(r.id, r.service, r.seq, JSON.stringify({ ...r, status: 'ready' }));
  }
  db.prepare("INSERT INTO services (name, data) VALUES ('web', ?)").run(JSON.stringify({ name: 'web', activeRelease: 'r2' }));
  const instance = (id: string, pid: number | undefined) => ({ id, service: 'web', releaseId: 'r2', port: 4100, pid, startTime: pid ? 777 : undefined, logFile: pid ? `/state/logs/instances/${id}.log` : undefined, state: pid ? 'healthy' : 'starting', restarts: 0 });
  for (const [id, pid] of [['web-r2-aaaaaa', 4242], ['web-r2-bbbbbb', undefined]] as const) {
    db.prepare('INSERT INTO instances (id, service, release, data) VALUES (?, ?, ?, ?)').run(id, 'web', 'r2', JSON.stringify(instance(id, pid)));
  }
  db.close();
}

test('a new state file gets the current schema version and no backup copy', async () => {
  const dir = await scratch();
  try {
    const store = new SqliteStore(join(dir, 'state.db'));
    store.close();
    const db = new Database(join(dir, 'state.db'), { readonly: true });
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    db.close();
    assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.bak')), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a 0.1.0 state file is copied aside, then upgraded in one step with its records kept', async () => {
  const dir = await scratch();
  const file = join(dir, 'state.db');
  try {
    writeV1(file, [
      { service: 'web', id: 'r1', seq: 1 },
      { service: 'web', id: 'r2', seq: 2 },
    ]);
    const store = new SqliteStore(file);
    assert.equal(store.release('web', 'r2')?.seq, 2);
    assert.equal(store.service('web')?.activeRelease, 'r2');
    assert.equal(store.nextReleaseSeq('web'), 3);
    // 0.1.0 instances: pid, start time and log path become the process driver's handle.
    assert.deepEqual(store.instance('web-r2-aaaaaa')?.handle, {
      id: 'web-r2-aaaaaa',
      driver: 'process',
      address: { host: '127.0.0.1', port: 4100 },
      ref: 'pid 4242',
      pid: 4242,
      data: { pid: 4242, startTime: 777, logFile: '/state/logs/instances/web-r2-aaaaaa.log' },
    });
    assert.equal(store.instance('web-r2-bbbbbb')?.handle, undefined, 'never started: no handle');
    assert.deepEqual(Object.keys(store.instance('web-r2-aaaaaa') ?? {}).filter((k) => ['pid', 'startTime', 'logFile'].includes(k)), []);
    // After the upgrade, r1 of a second service is its own row.
    store.transact({ kind: 'test' }, (tx) => tx.putRelease({ ...store.release('web', 'r1')!, service: 'worker' }));
    assert.equal(store.release('web', 'r1')?.service, 'web');
    assert.equal(store.release('worker', 'r1')?.service, 'worker');
    store.close();
    const backups = (await readdir(dir)).filter((f) => /^state\.db\.v0-\d{8}T\d{6}\.bak$/.test(f));
    assert.equal(backups.length, 1, 'one copy of the old file');
    const copy = new Database(join(dir, backups[0]!), { readonly: true });
    assert.equal(copy.pragma('user_version', { simple: true }), 0, 'the copy is the old file, untouched');
    assert.equal(copy.prepare('SELECT count(*) FROM releases').pluck().get(), 2);
    copy.close();
    // Opening again changes nothing more.
    new SqliteStore(file).close();
    assert.equal((await readdir(dir)).filter((f) => f.endsWith('.bak')).length, 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a version 4 state file upgrades to stack deployments: its deployments stay on their own in the history, stacks start empty', async () => {
  const dir = await scratch();
  const file = join(dir, 'state.db');
  try {
    const db = new Database(file);
    for (const m of MIGRATIONS.filter((m) => m.version <= 4)) db.exec(m.sql);
    db.pragma('user_version = 4');
    const old = { id: 'd1', service: 'web', kind: 'deploy', state: 'succeeded', startedAt: '2026-01-01T00:00:00.000Z', releaseId: 'r1' };
    db.prepare("INSERT INTO deployments (project, id, service, started, terminal, data) VALUES ('', 'd1', 'web', ?, 1, ?)").run(old.startedAt, JSON.stringify(old));
    db.close();
    const store = new SqliteStore(file);
    assert.deepEqual(store.deployments({ alone: true }).map((d) => d.id), ['d1'], 'a deployment of before stacks stands alone');
    assert.deepEqual(store.stacks(), []);
    const stack = { id: 's1', kind: 'deploy' as const, state: 'running' as const, startedAt: '2026-01-02T00:00:00.000Z', endedAt: undefined, reason: undefined, errorCode: undefined, services: [] };
    store.transact({ kind: 'test' }, (tx) => {
      tx.putStack(stack);
      tx.putDeployment({ ...(old as unknown as Parameters<typeof tx.putDeployment>[0]), id: 'd2', startedAt: '2026-01-02T00:00:01.000Z', stackId: 's1' });
    });
    assert.deepEqual(store.stacks({ open: true }).map((s) => s.id), ['s1']);
    assert.deepEqual(store.deployments({ alone: true }).map((d) => d.id), ['d1'], 'a stack\'s service deployment is not on its own');
    assert.deepEqual(store.deployments({ stack: 's1' }).map((d) => d.id), ['d2']);
    assert.deepEqual(store.deployments({ service: 'web' }).map((d) => d.id), ['d2', 'd1'], 'the per-service view lists both');
    store.close();
    assert.equal((await readdir(dir)).filter((f) => /^state\.db\.v4-.*\.bak$/.test(f)).length, 1, 'a copy of the version 4 file');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a state file from a newer slipway, or one that is not a database, is refused and left as it was', async () => {
  const dir = await scratch();
  try {
    const newer = join(dir, 'newer.db');
    const db = new Database(newer);
    db.exec(MIGRATIONS.map((m) => m.sql).join('\n'));
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const before = await sha(newer);
    assert.equal(codeOf(() => new SqliteStore(newer)), 'SLW_STATE_NEWER');
    assert.equal(await sha(newer), before);

    const garbage = join(dir, 'garbage.db');
    await writeFile(garbage, Buffer.alloc(8192, 0x5a));
    const garbageHash = await sha(garbage);
    assert.equal(codeOf(() => new SqliteStore(garbage)), 'SLW_STATE_CORRUPT');
    assert.equal(await sha(garbage), garbageHash);

    // A real database with one page overwritten in the middle.
    const damaged = join(dir, 'damaged.db');
    const store = new SqliteStore(damaged);
    for (let n = 1; n <= 400; n++) store.transact({ kind: 'fill', data: { n, pad: 'x'.repeat(500) } }, () => undefined);
    store.close();
    const bytes = await readFile(damaged);
    bytes.fill(0xa5, 4096 * 3, 4096 * 6);
    await writeFile(damaged, bytes);
    assert.equal(codeOf(() => new SqliteStore(damaged)), 'SLW_STATE_CORRUPT');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a missing or empty state file with releases or live instances on disk is refused, not read as empty', async () => {
  const dir = await scratch();
  try {
    const stateFile = join(dir, 'state.db');
    assert.deepEqual(releasesOnDisk(dir), []);
    assert.equal(codeOf(() => refuseLostState({ stateFile, knownReleases: undefined, onDisk: [], liveInstances: 0 })), undefined, 'a new state dir starts');
    await mkdir(join(dir, 'releases', 'web', 'r1', 'app'), { recursive: true });
    await mkdir(join(dir, 'releases', 'api', 'r3'), { recursive: true });
    assert.deepEqual(releasesOnDisk(dir), ['api/r3', 'web/r1']);
    const onDisk = releasesOnDisk(dir);
    assert.equal(codeOf(() => refuseLostState({ stateFile, knownReleases: undefined, onDisk, liveInstances: 0 })), 'SLW_STATE_LOST');
    assert.equal(codeOf(() => refuseLostState({ stateFile, knownReleases: 0, onDisk, liveInstances: 0 })), 'SLW_STATE_LOST');
    assert.equal(codeOf(() => refuseLostState({ stateFile, knownReleases: 0, onDisk: [], liveInstances: 2 })), 'SLW_STATE_LOST');
    assert.equal(codeOf(() => refuseLostState({ stateFile, knownReleases: 2, onDisk, liveInstances: 2 })), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
