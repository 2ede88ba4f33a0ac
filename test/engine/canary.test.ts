import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeHarness, type Harness } from '../helpers/engine-harness.js';

const REF = { configFile: 'slipway.yaml' };

/** Simulated clients: every 50 ms, 20 requests split by the table's weights, failing at each release's rate. */
function traffic(h: Harness, errorRate: Record<string, number>): () => void {
  let on = true;
  void (async () => {
    while (on) {
      const table = h.plane.tables.at(-1)?.services['web'];
      const weights = table?.weights ?? Object.fromEntries((table?.targets ?? []).map((t) => [t.release, 1]));
      const total = Object.values(weights).reduce((a, b) => a + b, 0);
      for (const [release, w] of Object.entries(weights)) {
        const n = Math.round((20 * w) / (total || 1));
        let failed = 0;
        for (let i = 0; i < n; i++) if (Math.random() < (errorRate[release] ?? 0.001)) failed++;
        if (n > 0) h.plane.count('web', release, n, failed);
      }
      await sleep(50);
    }
  })();
  return () => (on = false);
}

test('canary: a good release goes through every step, the bake, then 100%', { timeout: 60_000 }, async () => {
  const h = await makeHarness();
  const stop = traffic(h, {});
  try {
    await h.engine.deploy(REF, 'web', () => undefined);
    const { results, error } = await h.engine.deploy(REF, 'web', (e) => h.events.push(e), 'canary');
    assert.equal(error, undefined, error?.message);
    assert.equal(results[0]?.outcome, 'succeeded');
    const weights = h.plane.tables.map((t) => t.services['web']?.weights?.['r2']).filter((w) => w !== undefined);
    assert.deepEqual(weights, [0.1, 0.5, 0.95]);
    assert.deepEqual(h.plane.currentTargets('web'), ['r2', 'r2']);
    assert.equal(h.plane.tables.at(-1)?.services['web']?.weights, undefined, 'no split after promotion');
    const steps = results[0]?.report.canary ?? [];
    assert.deepEqual(steps.map((s) => [s.weight, s.outcome]), [[0.1, 'next'], [0.5, 'next'], [0.95, 'next']]);
    assert.ok(steps.every((s) => s.releases.find((r) => r.release === 'r2')!.requests > 0));
    assert.equal(h.store.service('web')?.previousRelease, 'r1');
  } finally {
    stop();
    await h.close();
  }
});

test('canary: a release failing 30% of requests is rolled back at its first step', { timeout: 60_000 }, async () => {
  const h = await makeHarness();
  try {
    await h.engine.deploy(REF, 'web', () => undefined);
    const stop = traffic(h, { r2: 0.3 });
    const deploying = h.engine.deploy(REF, 'web', () => undefined, 'canary');
    // What `canary status` (and the dashboard) shows while the step runs: its time and the judge's latest evidence.
    const seen: { stepMs: number | undefined; errors: number | undefined }[] = [];
    let ended = false;
    void deploying.finally(() => (ended = true));
    while (!ended) {
      const c = h.engine.canary('web', 'status')[0];
      if (c) seen.push({ stepMs: c.stepMs, errors: c.evidence?.errors });
      await sleep(20);
    }
    const { results, error } = await deploying;
    stop();
    const errorsSeen = seen.map((x) => x.errors).filter((e): e is number => e !== undefined);
    // Here the first verdict after the warm-up already rolls back (the step ends with it); the browser test sees it rise under real traffic.
    assert.ok(errorsSeen.length >= 1 && errorsSeen.every((e) => e >= 0 && e < 1), `evidence while judged: ${errorsSeen.join(', ')}`);
    assert.ok(seen.some((x) => (x.stepMs ?? 0) > 0), 'time in step shown');
    assert.equal(h.engine.ctx.canarySteps.size, 0, 'nothing left of the step once it ended');
    assert.equal(error?.code, 'SLW_CANARY_ROLLED_BACK', error?.message);
    assert.equal(results[0]?.outcome, 'reverted');
    assert.deepEqual(h.plane.currentTargets('web'), ['r1', 'r1']);
    assert.equal(h.store.service('web')?.canary, undefined);
    assert.equal(h.store.service('web')?.activeRelease, 'r1');
    assert.ok((results[0]?.report.canary?.[0]?.evidence.length ?? 0) >= 1, 'evidence was recorded');
    // The report's figures are the judge's: the reason (the judge's words) quotes the same counts,
    // and the step that rolled back shows its test at or past the threshold, nowhere else.
    const step = results[0]?.report.canary?.[0];
    const errors = step?.tests?.errors;
    assert.equal(errors?.state, 'failed');
    assert.ok((errors?.evidence ?? 0) >= 1 && (step?.evidence.at(-1)?.errors ?? 0) >= 1, `evidence ${errors?.evidence}`);
    assert.ok(error?.message.includes(`the canary failed ${errors?.canary} of ${errors?.canaryRequests} requests`), `${error?.message} vs ${JSON.stringify(errors)}`);
    assert.ok(error?.message.includes(`the stable release ${errors?.stable} of ${errors?.stableRequests} requests`));
    assert.match(step?.why ?? '', /^first weight 10%, as configured/);
    const maxWeight = Math.max(...h.plane.tables.map((t) => t.services['web']?.weights?.['r2'] ?? 0));
    assert.equal(maxWeight, 0.1, 'it never went past the first step');
  } finally {
    await h.close();
  }
});

test('canary: pause holds the weight, promote skips to 100%, abort flips back', { timeout: 60_000 }, async () => {
  const h = await makeHarness();
  const stop = traffic(h, {});
  try {
    await h.engine.deploy(REF, 'web', () => undefined);
    const pending = h.engine.deploy(REF, 'web', () => undefined, 'canary');
    while (h.engine.canary('web', 'status').length === 0) await sleep(20);
    h.engine.canary('web', 'pause');
    await sleep(2500);
    const held = h.engine.canary('web', 'status')[0];
    assert.equal(held?.paused, true);
    assert.equal(held?.weight, 0.1, 'paused at the first step');
    h.engine.canary(undefined, 'promote');
    const { results } = await pending;
    assert.equal(results[0]?.outcome, 'succeeded');
    assert.deepEqual(results[0]?.report.canary?.map((s) => s.outcome), ['promote']);
    assert.deepEqual(h.plane.currentTargets('web'), ['r2', 'r2']);

    const third = h.engine.deploy(REF, 'web', () => undefined, 'canary');
    while (h.engine.canary('web', 'status').length === 0) await sleep(20);
    h.engine.canary('web', 'abort');
    const aborted = await third;
    assert.equal(aborted.error?.code, 'SLW_CANARY_ABORTED');
    assert.deepEqual(h.plane.currentTargets('web'), ['r2', 'r2']);
    assert.throws(() => h.engine.canary('web', 'promote'), (err: { code?: string }) => err.code === 'SLW_NO_CANARY');
  } finally {
    stop();
    await h.close();
  }
});

test('canary plan: the first weight is the configured one; a step that cannot reach minRequests in its hold says so and follows lowTraffic', async () => {
  const { canaryPlan } = await import('../../src/engine/canary.js');
  const { describePlan } = await import('../../src/engine/canary-report.js');
  const spec = { steps: [0.05, 0.25, 0.5], minHoldMs: [60_000, 60_000, 120_000], minRequests: [300, 1000, 2000], maxHoldMs: 900_000, bakeMs: 7, sticky: undefined };
  const weights = (rps?: number) => canaryPlan(spec, rps).map((s) => s.weight);
  assert.deepEqual(weights(), [0.05, 0.25, 0.5, 0.95], 'no rate known: the configured steps');
  assert.deepEqual(weights(19.5), [0.05, 0.25, 0.5, 0.95], 'a quiet service keeps 5% (it was raised to 12.8% at 19.5 req/s)');
  assert.equal(canaryPlan(spec, 1000).some((s) => s.lowTraffic), false, 'a busy service: every step can reach its requests');
  const quiet = canaryPlan(spec, 19.5);
  assert.deepEqual(quiet[0]?.lowTraffic, { expected: 58, secondsNeeded: 300 / (19.5 * 0.05), policy: 'health' });
  assert.equal(quiet[1]?.lowTraffic?.expected, 292);
  assert.equal(quiet[3]?.bake, true);
  assert.equal(quiet[3]?.lowTraffic, undefined);
  const note = describePlan(quiet, 19.5);
  assert.match(note, /^canary plan: 5% → 25% → 50% → 95% \(bake\) → 100% \(stable traffic 19\.5 req\/s\); first weight 5% as configured/);
  assert.match(note, /~58 canary requests expected at 19\.5 req\/s in its 60 s hold, below minRequests 300: moves on after the hold on health/);
  const hold = canaryPlan({ ...spec, lowTraffic: 'hold' }, 19.5);
  assert.match(describePlan(hold, 19.5), /below minRequests 300: waits for them, about 308 s \(lowTraffic: hold/);
});
