import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness } from '../helpers/engine-harness.js';
import type { DeploymentState } from '../../src/engine/deployment-state.js';

const REF = { configFile: 'slipway.yaml' };

const CASES: { state: DeploymentState; switched: boolean; outcome: 'reverted' | 'succeeded'; active: string }[] = [
  { state: 'pending', switched: false, outcome: 'reverted', active: 'r1' },
  { state: 'building', switched: false, outcome: 'reverted', active: 'r1' },
  { state: 'starting', switched: false, outcome: 'reverted', active: 'r1' },
  { state: 'switching', switched: true, outcome: 'reverted', active: 'r1' },
  { state: 'watching', switched: true, outcome: 'reverted', active: 'r1' },
  { state: 'reverting', switched: true, outcome: 'reverted', active: 'r1' },
  { state: 'committed', switched: true, outcome: 'succeeded', active: 'r2' },
];

test('recovery settles a deployment journaled in each state: reverted before commit, finished after', async () => {
  for (const c of CASES) {
    const h = await makeHarness();
    try {
      await h.engine.deploy(REF, 'web', () => undefined);
      await h.engine.deploy(REF, 'web', () => undefined);
      await h.engine.rollback('web', () => undefined);
      // Now r1 is active and r2 warm; journal a deployment of r2 interrupted in state c.state.
      h.store.transact({ kind: 'test' }, (tx) => {
        tx.putDeployment({
          id: `d-${c.state}`, service: 'web', kind: 'deploy', releaseId: 'r2', fromRelease: 'r1', priorPrevious: 'r2',
          priorWarmUntil: Date.now() + 60_000, state: c.state, startedAt: new Date(Date.now() + 1000).toISOString(),
          endedAt: undefined, reason: undefined, errorCode: undefined, report: undefined,
        });
        if (c.switched) tx.putService({ name: 'web', activeRelease: 'r2', previousRelease: 'r1', warmUntil: Date.now() + 60_000 });
      });
      const report = await h.engine.boot(0);
      assert.deepEqual(report.deployments, [{ id: `d-${c.state}`, outcome: c.outcome }], c.state);
      assert.equal(h.store.service('web')?.activeRelease, c.active, c.state);
      assert.deepEqual(h.plane.currentTargets('web'), [c.active, c.active], c.state);
    } finally {
      await h.close();
    }
  }
});

test('a deployment left in watching is reverted to the release it came from', async () => {
  const h = await makeHarness();
  try {
    await h.engine.deploy(REF, 'web', () => undefined);
    // Simulate a daemon that died during the watch of r2: journal exactly what it would have.
    const d = {
      id: 'dcrash',
      service: 'web',
      kind: 'deploy' as const,
      releaseId: 'r2',
      fromRelease: 'r1',
      priorPrevious: undefined,
      priorWarmUntil: undefined,
      state: 'watching' as const,
      startedAt: new Date().toISOString(),
      endedAt: undefined,
      reason: undefined,
      errorCode: undefined,
      report: undefined,
    };
    h.store.transact({ kind: 'test' }, (tx) => {
      tx.putDeployment(d);
      tx.putService({ name: 'web', activeRelease: 'r2', previousRelease: 'r1', warmUntil: Date.now() + 60_000 });
      tx.setLock({ owner: 'dead daemon', pid: 999_999_999, deploymentId: 'dcrash', acquiredAt: '', heartbeatAt: '', expiresAt: new Date(Date.now() + 60_000).toISOString() });
    });
    const report = await h.engine.boot(0);
    assert.deepEqual(report.deployments, [{ id: 'dcrash', outcome: 'reverted' }]);
    assert.equal(h.store.deployment('dcrash')?.errorCode, 'SLW_DEPLOY_INTERRUPTED');
    assert.equal(h.store.service('web')?.activeRelease, 'r1');
    assert.equal(h.store.lock(), undefined);
    assert.deepEqual(h.plane.currentTargets('web'), ['r1', 'r1']);
  } finally {
    await h.close();
  }
});

test('boot re-adopts live instances and marks vanished ones failed', async () => {
  const h = await makeHarness();
  try {
    await h.engine.deploy(REF, 'web', () => undefined);
    const [a, b] = h.store.instances({ live: true });
    assert.ok(a && b);
    h.driver.crash(b.id);
    const report = await h.engine.boot(0);
    assert.ok(report.adopted.includes(a.id));
    assert.equal(h.store.instance(b.id)?.state, 'failed');
  } finally {
    await h.close();
  }
});

