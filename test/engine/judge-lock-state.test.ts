import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ThresholdJudge } from '../../src/engine/judge.js';
import { DeployLock } from '../../src/engine/lock.js';
import { canTransition, isLive, type InstanceState } from '../../src/engine/instance-state.js';
import { isTerminal } from '../../src/engine/deployment-state.js';
import { recoveryDirection } from '../../src/engine/recover.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';

test('threshold judge: needs enough failures and a clearly worse rate', () => {
  const judge = new ThresholdJudge();
  assert.equal(judge.evaluate({ baseline: { requests: 1000, failures: 0 }, candidate: { requests: 10, failures: 4 } }).decision, 'continue');
  assert.equal(judge.evaluate({ baseline: { requests: 1000, failures: 0 }, candidate: { requests: 100, failures: 5 } }).decision, 'fail');
  assert.equal(judge.evaluate({ baseline: { requests: 1000, failures: 100 }, candidate: { requests: 100, failures: 12 } }).decision, 'continue');
  assert.equal(judge.evaluate({ baseline: { requests: 1000, failures: 100 }, candidate: { requests: 100, failures: 30 } }).decision, 'fail');
  assert.equal(judge.evaluate({ baseline: undefined, candidate: { requests: 1000, failures: 5 } }).decision, 'continue');
  const verdict = judge.evaluate({ baseline: undefined, candidate: { requests: 10, failures: 10 } });
  assert.equal(verdict.decision, 'fail');
  assert.match(verdict.decision === 'fail' ? verdict.reason : '', /100\.0% \(10\/10\)/);
});

test('instance state machine: allowed and forbidden transitions', () => {
  const allowed: [InstanceState, InstanceState][] = [
    ['starting', 'healthy'],
    ['healthy', 'draining'],
    ['draining', 'stopped'],
    ['healthy', 'failed'],
    ['failed', 'starting'],
  ];
  for (const [a, b] of allowed) assert.ok(canTransition(a, b), `${a} → ${b}`);
  const forbidden: [InstanceState, InstanceState][] = [
    ['stopped', 'healthy'],
    ['draining', 'healthy'],
    ['stopped', 'starting'],
  ];
  for (const [a, b] of forbidden) assert.ok(!canTransition(a, b), `${a} → ${b}`);
  assert.ok(isLive('draining') && !isLive('stopped') && !isLive('failed'));
});

test('deployment states: terminal ones and the recovery direction of the others', () => {
  assert.ok(isTerminal('succeeded') && isTerminal('reverted') && isTerminal('failed') && !isTerminal('watching'));
  assert.equal(recoveryDirection('building'), 'revert');
  assert.equal(recoveryDirection('watching'), 'revert');
  assert.equal(recoveryDirection('committed'), 'finish');
  assert.equal(recoveryDirection('succeeded'), 'none');
});

test('deploy lock: one owner, heartbeat extends, expiry or a dead owner frees it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-lock-'));
  const store = new SqliteStore(join(dir, 'state.db'));
  try {
    let now = 1_000_000;
    const lock = new DeployLock(store, { ttlMs: 1000, heartbeatMs: 100_000, now: () => now });
    const lease = lock.acquire('deploy A', 'd1');
    assert.throws(() => lock.acquire('deploy B', 'd2'), (err: { code?: string }) => err.code === 'SLW_LOCK_HELD');
    now += 1500;
    assert.equal(lock.status().stale, true);
    const second = lock.acquire('deploy B', 'd2');
    assert.equal(store.lock()?.owner, 'deploy B');
    lease.release();
    assert.equal(store.lock()?.owner, 'deploy B', 'a former owner cannot release the new owner\'s lock');
    second.release();
    assert.equal(store.lock(), undefined);
    store.transact({ kind: 'test' }, (tx) =>
      tx.setLock({ owner: 'ghost', pid: 999_999_999, deploymentId: undefined, acquiredAt: '', heartbeatAt: '', expiresAt: new Date(now + 60_000).toISOString() }),
    );
    assert.equal(lock.status().stale, true, 'a lock whose process is gone is stale');
  } finally {
    store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('state store: journal entries and records survive a reopen', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-store-'));
  try {
    const store = new SqliteStore(join(dir, 'state.db'));
    store.transact({ kind: 'service.put', data: { name: 'web' } }, (tx) =>
      tx.putService({ name: 'web', activeRelease: 'r1', previousRelease: undefined, warmUntil: undefined }),
    );
    assert.throws(() =>
      store.transact({ kind: 'will.fail' }, (tx) => {
        tx.putService({ name: 'web', activeRelease: 'r2', previousRelease: 'r1', warmUntil: undefined });
        throw new Error('boom');
      }),
    );
    store.close();
    const again = new SqliteStore(join(dir, 'state.db'));
    assert.equal(again.service('web')?.activeRelease, 'r1', 'a failed transaction changes nothing');
    assert.deepEqual(again.journal().map((e) => e.kind), ['service.put']);
    assert.equal(again.nextReleaseSeq('web'), 1);
    again.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('deployment states: forward moves from the table, failed or reverted from any open state, outcomes final', async () => {
  const { canTransition, assertDeploymentTransition } = await import('../../src/engine/deployment-state.js');
  for (const [from, to] of [['pending', 'building'], ['building', 'starting'], ['starting', 'canary'], ['canary', 'canary'], ['switching', 'watching'], ['watching', 'committed'], ['committed', 'succeeded'], ['building', 'reverted'], ['canary', 'failed']] as const) {
    assert.equal(canTransition(from, to), true, `${from} → ${to}`);
  }
  for (const [from, to] of [['committed', 'watching'], ['building', 'committed'], ['pending', 'succeeded'], ['succeeded', 'failed'], ['reverted', 'pending'], ['watching', 'canary']] as const) {
    assert.equal(canTransition(from, to), false, `${from} → ${to}`);
  }
  assert.throws(() => assertDeploymentTransition('d1', 'reverted', 'committed'), { code: 'SLW_ENGINE_BAD_TRANSITION' });
});
