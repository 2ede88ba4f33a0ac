// The deploy lock on a full disk (a real SQLite store whose writes fail with SQLITE_FULL while
// `full` is set, as better-sqlite3 reports them): a release that cannot be journaled frees the
// lock at once and is owed; a heartbeat that fails is counted, never thrown; the next acquire
// writes what is owed first, and fails with SLW_DISK_FULL (changing nothing) while it cannot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeployLock } from '../../src/engine/lock.js';
import type { StateStore } from '../../src/engine/store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { SlipwayError } from '../../src/errors.js';

function fullable(store: SqliteStore): { store: StateStore; full: { on: boolean } } {
  const full = { on: false };
  const wrapped = new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown;
      if (key === 'transact') {
        return (...args: Parameters<StateStore['transact']>) => {
          if (full.on) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
          return target.transact(...args);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: wrapped, full };
}

test('a lock whose release cannot be journaled is free at once; what is owed is written before the next lock', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-lock-full-'));
  const sqlite = new SqliteStore(join(dir, 'state.db'));
  try {
    const { store, full } = fullable(sqlite);
    let now = 1_000_000;
    const lock = new DeployLock(store, { ttlMs: 30_000, heartbeatMs: 100_000, now: () => now });
    const lease = lock.acquire('deploy of web', 'd1');
    full.on = true;
    // An outcome that could not be written, owed like the release.
    const owedError = lock.owe({ deploymentId: 'd1', kind: 'deployment.failed' }, (tx) => tx.setMeta('outcome-d1', 'failed'), Object.assign(new Error('full'), { code: 'SQLITE_FULL' }));
    assert.equal(owedError.code, 'SLW_DISK_FULL');
    lease.release();
    assert.equal(sqlite.lock()?.owner, 'deploy of web', 'the store still says held: the write failed');
    assert.equal(lock.status().lock, undefined, 'but the lock is free in this daemon at once');
    assert.equal(lock.owed, 2);
    assert.equal(lock.writeFailures, 2);

    // Still full: a new lock is refused with SLW_DISK_FULL and nothing changes.
    assert.throws(() => lock.acquire('deploy of api', 'd2'), (err: unknown) => err instanceof SlipwayError && err.code === 'SLW_DISK_FULL');
    assert.equal(lock.owed, 2);
    assert.equal(sqlite.meta('outcome-d1'), undefined);

    // Space back: the owed writes go first, in order, then the new lock is taken.
    full.on = false;
    now += 1000;
    const next = lock.acquire('deploy of api', 'd2');
    assert.equal(lock.owed, 0);
    assert.equal(sqlite.meta('outcome-d1'), 'failed');
    assert.equal(sqlite.lock()?.owner, 'deploy of api');
    const kinds = sqlite.journal().map((e) => e.kind);
    assert.deepEqual(kinds.slice(-3), ['deployment.failed', 'lock.released', 'lock.acquired']);
    next.release();
    assert.equal(sqlite.lock(), undefined);
  } finally {
    sqlite.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a heartbeat that cannot be journaled is counted, never thrown (it runs on a timer: a throw would end the daemon)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-lock-full-'));
  const sqlite = new SqliteStore(join(dir, 'state.db'));
  try {
    const { store, full } = fullable(sqlite);
    const lock = new DeployLock(store, { ttlMs: 30_000, heartbeatMs: 20 });
    const lease = lock.acquire('deploy of web', 'd1');
    full.on = true;
    await new Promise((r) => setTimeout(r, 120));
    assert.ok(lock.writeFailures >= 2, `${lock.writeFailures} failed heartbeats counted`);
    assert.equal(lock.owed, 0, 'a heartbeat is not owed: the next one rewrites it');
    full.on = false;
    lease.release();
    assert.equal(sqlite.lock(), undefined);
  } finally {
    sqlite.close();
    await rm(dir, { recursive: true, force: true });
  }
});
