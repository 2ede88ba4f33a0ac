import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeHarness, type Harness } from '../helpers/engine-harness.js';

const REF = { configFile: 'slipway.yaml' };

async function deploy(h: Harness) {
  return h.engine.deploy(REF, 'web', (e) => h.events.push(e));
}

test('a deploy journals every change before the table reaches the proxy', async () => {
  const h = await makeHarness();
  try {
    const { results, error } = await deploy(h);
    assert.equal(error, undefined);
    assert.equal(results[0]?.outcome, 'succeeded');
    const applies = h.order.map((e, i) => [e, i] as const).filter(([e]) => e.startsWith('apply:'));
    assert.ok(applies.length >= 1);
    for (const [, i] of applies) assert.equal(h.order[i - 1], 'journal:proxy.publish', `apply at ${i} not preceded by its journal entry`);
    const switchJournal = h.order.indexOf('journal:deployment.switching');
    const firstApply = h.order.findIndex((e) => e.startsWith('apply:'));
    assert.ok(switchJournal >= 0 && switchJournal < firstApply);
    assert.deepEqual(h.plane.currentTargets('web'), ['r1', 'r1']);
    const steps = h.events.filter((e) => e.type === 'step' && e.phase === 'end').map((e) => (e.type === 'step' ? e.step : ''));
    assert.deepEqual(steps, ['lock', 'plan', 'build', 'start', 'health-gate', 'switch', 'watch', 'drain', 'record']);
  } finally {
    await h.close();
  }
});

test('the second deploy switches in one table swap and keeps the old release warm', async () => {
  const h = await makeHarness();
  try {
    await deploy(h);
    const tablesBefore = h.plane.tables.length;
    const { results } = await deploy(h);
    assert.equal(results[0]?.outcome, 'succeeded');
    assert.equal(results[0]?.fromRelease, 'r1');
    assert.deepEqual(h.plane.currentTargets('web'), ['r2', 'r2']);
    assert.equal(h.plane.tables.length, tablesBefore + 1, 'exactly one table swap');
    assert.equal(h.store.service('web')?.previousRelease, 'r1');
    assert.equal(h.store.instances({ service: 'web', releaseId: 'r1', live: true }).length, 2, 'r1 stays running (warm)');
  } finally {
    await h.close();
  }
});

test('a release failing its health gate never reaches the table and its instances stop', async () => {
  const h = await makeHarness();
  try {
    await deploy(h);
    h.probeOk = () => false;
    const { results, error } = await deploy(h);
    assert.equal(error?.code, 'SLW_HEALTH_TIMEOUT');
    assert.equal(results[0]?.outcome, 'failed');
    assert.ok(h.plane.tables.every((t) => t.services['web']?.targets.every((x) => x.release === 'r1')));
    assert.equal(h.store.instances({ service: 'web', releaseId: 'r2', live: true }).length, 0);
    assert.equal(h.store.service('web')?.activeRelease, 'r1');
    assert.equal(h.store.lock(), undefined);
  } finally {
    await h.close();
  }
});

test('errors of the new release during the watch window flip traffic back', async () => {
  const h = await makeHarness();
  try {
    await deploy(h);
    h.plane.count('web', 'r1', 1000, 1);
    const pending = deploy(h);
    const poisoned = (async () => {
      while (!h.plane.currentTargets('web').includes('r2')) await sleep(5);
      h.plane.count('web', 'r2', 100, 40);
    })();
    const [{ results, error }] = await Promise.all([pending, poisoned]);
    assert.equal(error?.code, 'SLW_DEPLOY_REVERTED');
    assert.equal(results[0]?.outcome, 'reverted');
    assert.deepEqual(h.plane.currentTargets('web'), ['r1', 'r1']);
    assert.equal(h.store.service('web')?.activeRelease, 'r1');
  } finally {
    await h.close();
  }
});

test('a few errors on a busy release do not trigger a revert', async () => {
  const h = await makeHarness();
  try {
    await deploy(h);
    h.plane.count('web', 'r1', 1000, 10);
    const pending = deploy(h);
    while (!h.plane.currentTargets('web').includes('r2')) await sleep(5);
    h.plane.count('web', 'r2', 1000, 12);
    const { results } = await pending;
    assert.equal(results[0]?.outcome, 'succeeded');
  } finally {
    await h.close();
  }
});

test('an unhealthy new instance after the switch reverts the deploy', async () => {
  const h = await makeHarness();
  try {
    await deploy(h);
    const pending = deploy(h);
    while (!h.plane.currentTargets('web').includes('r2')) await sleep(5);
    const r2 = h.store.instances({ service: 'web', releaseId: 'r2' });
    h.plane.unhealthy.add(r2[0]?.id ?? '');
    const { results } = await pending;
    assert.equal(results[0]?.outcome, 'reverted');
    assert.match(results[0]?.reason ?? '', /failed its health check/);
  } finally {
    await h.close();
  }
});

test('rollback of a warm release is one table swap with no instance started', async () => {
  const h = await makeHarness();
  try {
    await deploy(h);
    await deploy(h);
    const started = h.driver.running().length;
    const tables = h.plane.tables.length;
    const { results, error } = await h.engine.rollback('web', (e) => h.events.push(e));
    assert.equal(error, undefined);
    assert.equal(results[0]?.outcome, 'succeeded');
    assert.equal(h.plane.tables.length, tables + 1);
    assert.equal(h.driver.running().length, started);
    assert.deepEqual(h.plane.currentTargets('web'), ['r1', 'r1']);
    assert.equal(h.store.service('web')?.previousRelease, 'r2');
  } finally {
    await h.close();
  }
});

test('rollback of a cold release starts and gates it first', async () => {
  const h = await makeHarness();
  try {
    await deploy(h);
    await deploy(h);
    for (const i of h.store.instances({ service: 'web', releaseId: 'r1', live: true })) h.driver.crash(i.id);
    await sleep(20);
    const { results } = await h.engine.rollback('web', () => undefined);
    assert.equal(results[0]?.outcome, 'succeeded');
    assert.ok(results[0]?.gateMs !== undefined, 'the cold release was gated');
    assert.equal(h.store.instances({ service: 'web', releaseId: 'r1', live: true }).filter((i) => i.state === 'healthy').length, 2);
  } finally {
    await h.close();
  }
});

test('a held lock refuses a second deploy and records nothing', async () => {
  const h = await makeHarness();
  try {
    await deploy(h);
    const lease = h.engine.deps.lock.acquire('someone else', undefined);
    const before = h.store.deployments().length;
    await assert.rejects(deploy(h), (err: { code?: string }) => err.code === 'SLW_LOCK_HELD');
    assert.equal(h.store.deployments().length, before);
    lease.release();
  } finally {
    await h.close();
  }
});

test('no previous release: rollback says so', async () => {
  const h = await makeHarness();
  try {
    await deploy(h);
    await assert.rejects(h.engine.rollback(undefined, () => undefined), (err: { code?: string }) => err.code === 'SLW_NO_PREVIOUS_RELEASE');
  } finally {
    await h.close();
  }
});

test('an instance that stays up but keeps failing health checks is restarted', async () => {
  const h = await makeHarness();
  try {
    await deploy(h);
    const [sick] = h.store.instances({ service: 'web', releaseId: 'r1', live: true });
    assert.ok(sick);
    h.plane.unhealthy.add(sick.id);
    const deadline = Date.now() + 10_000;
    let current = h.store.instance(sick.id);
    while (Date.now() < deadline && !(current && current.restarts >= 1 && current.state === 'healthy')) {
      await sleep(50);
      current = h.store.instance(sick.id);
    }
    assert.equal(current?.restarts, 1);
    assert.equal(current?.state, 'healthy');
    assert.match(current?.lastExit ?? '', /unhealthy for \ds/);
    assert.ok(h.driver.stops.some((s) => s.id === sick.id), 'the sick process was stopped');
    assert.notEqual(current?.handle?.ref, sick.handle?.ref, 'a new process replaced it');
  } finally {
    await h.close();
  }
});
