import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Config } from '../../src/config/model.js';
import { makeHarness, type Harness } from '../helpers/engine-harness.js';

const REF = { configFile: 'slipway.yaml' };

/** Three services whose releases all start at r1: nothing of one may reach another's routes. */
function threeServices(h: Harness): Config {
  const base = h.config().services['web']!;
  // A chain (c after b after a): a stack deploy runs them one after the other.
  const one = (name: string, dependsOn: string[]) => ({ ...base, name, dependsOn, instances: name === 'b' ? 1 : 2, routes: [{ host: `${name}.localhost`, path: '/' }] });
  return { ...h.config(), services: { a: one('a', []), b: one('b', ['a']), c: one('c', ['b']) } };
}

function targetsBy(h: Harness): Record<string, string[]> {
  const table = h.plane.tables.at(-1);
  return Object.fromEntries(Object.entries(table?.services ?? {}).map(([name, s]) => [name, s.targets.map((t) => `${t.id.split('-')[0]}:${t.release}`)]));
}

test('three services each keep their own r1, r2…: routes, targets and rollbacks never cross', async () => {
  const h = await makeHarness();
  try {
    const config = threeServices(h);
    (h as { config: () => Config }).config = () => config;
    for (const name of ['a', 'b', 'c']) {
      const { error } = await h.engine.deploy(REF, name, () => undefined);
      assert.equal(error, undefined, `first deploy of ${name}`);
    }
    assert.deepEqual(targetsBy(h), { a: ['a:r1', 'a:r1'], b: ['b:r1'], c: ['c:r1', 'c:r1'] });
    for (const name of ['a', 'b', 'c']) assert.equal(h.store.release(name, 'r1')?.service, name, `release r1 of ${name} is its own`);
    const routes = h.plane.tables.at(-1)?.routes.map((r) => `${r.host}→${r.service}`).sort();
    assert.deepEqual(routes, ['a.localhost→a', 'b.localhost→b', 'c.localhost→c']);

    // A second deploy of b only: b gets r2, a and c stay on r1 (the next number is b's own).
    const second = await h.engine.deploy(REF, 'b', () => undefined);
    assert.equal(second.error, undefined);
    assert.equal(second.results[0]?.release, 'r2');
    assert.deepEqual(targetsBy(h), { a: ['a:r1', 'a:r1'], b: ['b:r2'], c: ['c:r1', 'c:r1'] });

    // Rolling back b must not touch a's or c's r1 instances.
    const back = await h.engine.rollback('b', () => undefined);
    assert.equal(back.error, undefined);
    assert.deepEqual(targetsBy(h), { a: ['a:r1', 'a:r1'], b: ['b:r1'], c: ['c:r1', 'c:r1'] });
    for (const name of ['a', 'c']) {
      assert.equal(h.store.instances({ service: name, releaseId: 'r1', live: true }).length, 2, `${name} keeps both r1 instances`);
    }
    assert.equal(h.store.instances({ service: 'b', releaseId: 'r1', live: true }).length, 1);
  } finally {
    await h.close();
  }
});

test('a stack deploy whose third service fails puts the first two back on their previous releases, each rollback saying why', async () => {
  const h = await makeHarness();
  try {
    const config = threeServices(h);
    (h as { config: () => Config }).config = () => config;
    const first = await h.engine.deploy(REF, undefined, () => undefined);
    assert.equal(first.error, undefined);
    assert.deepEqual(targetsBy(h), { a: ['a:r1', 'a:r1'], b: ['b:r1'], c: ['c:r1', 'c:r1'] });

    // The second stack deploy: c's new instances never get healthy.
    const notes: string[] = [];
    const failing = await h.engine.deploy(REF, undefined, (e) => {
      if (e.type === 'step' && e.service === 'c' && e.step === 'start') h.probeOk = () => false;
      if (e.type === 'note') notes.push(e.message);
    });
    h.probeOk = () => true;
    assert.equal(failing.error?.code, 'SLW_HEALTH_TIMEOUT');
    assert.deepEqual(
      failing.results.map((r) => `${r.kind} ${r.service} ${r.outcome} ${r.release ?? ''}`),
      ['deploy a succeeded r2', 'deploy b succeeded r2', 'deploy c failed r2', 'rollback b succeeded r1', 'rollback a succeeded r1'],
    );
    assert.deepEqual(targetsBy(h), { a: ['a:r1', 'a:r1'], b: ['b:r1'], c: ['c:r1', 'c:r1'] }, 'every service serves what it served before the deploy');
    for (const name of ['a', 'b']) {
      const [rollback] = h.store.deployments({ service: name, limit: 1 });
      assert.equal(rollback?.kind, 'rollback');
      assert.match(rollback?.reason ?? '', /^stack rollback: c failed in the same deploy \(SLW_HEALTH_TIMEOUT\)/);
    }
    assert.ok(notes.some((n) => n.includes('rolling back b, a')), notes.join(' | '));

    // --no-stack-rollback: the same failure leaves a and b on their new releases.
    const kept = await h.engine.deploy(REF, undefined, (e) => {
      if (e.type === 'step' && e.service === 'c' && e.step === 'start') h.probeOk = () => false;
    }, undefined, undefined, { stackRollback: false });
    h.probeOk = () => true;
    assert.equal(kept.error?.code, 'SLW_HEALTH_TIMEOUT');
    assert.deepEqual(kept.results.map((r) => `${r.kind} ${r.service} ${r.outcome}`), ['deploy a succeeded', 'deploy b succeeded', 'deploy c failed']);
    assert.deepEqual(targetsBy(h), { a: ['a:r3', 'a:r3'], b: ['b:r3'], c: ['c:r1', 'c:r1'] });
  } finally {
    await h.close();
  }
});
