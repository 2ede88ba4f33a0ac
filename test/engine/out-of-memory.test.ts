// An instance killed by its memory limit: the supervisor says so in its last exit and in the
// instance event, counts it (slipway_instance_oom_kills_total), the built-in alert
// `instance-out-of-memory` fires once through the evaluator, and the instance is restarted.
// The container driver's side (the engine's OOMKilled flag, or a SIGKILL it did not send to a
// container with a memory limit) is tested on Podman in test/drivers/container-isolation.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Evaluator } from '../../src/observability/alerting/evaluator.js';
import { builtinRules } from '../../src/observability/alerting/builtin-rules.js';
import { computeSignals } from '../../src/observability/alerting/signals.js';
import { collectMetrics } from '../../src/observability/collector.js';
import { METRICS } from '../../src/observability/metric-catalog.js';
import { outOfMemory } from '../../src/drivers/container/container-driver.js';
import type { ContainerState } from '../../src/drivers/container/docker-api.js';
import { makeHarness } from '../helpers/engine-harness.js';

const MIB = 1024 * 1024;

test('a memory kill is reported: last exit, event, counter, alert once; then restarted', { timeout: 30_000 }, async () => {
  const h = await makeHarness();
  const instanceEvents: { state: string; detail?: string }[] = [];
  Object.assign(h.engine.deps, {
    events: { publish: (e: { kind: string; state?: string; detail?: string }) => void (e.kind === 'instance' && instanceEvents.push({ state: e.state ?? '', ...(e.detail ? { detail: e.detail } : {}) })) },
  });
  try {
    h.config = ((original) => (overrides = {}) => original({ isolation: { memoryBytes: 64 * MIB, readOnly: false, tmpfs: [], capAdd: [] }, ...overrides }))(h.config);
    const { results } = await h.engine.deploy({ configFile: 'slipway.yaml' }, 'web', () => undefined);
    assert.equal(results[0]?.outcome, 'succeeded');
    const collect = async () => ({ at: Date.now(), families: await collectMetrics({ proxyStatus: async () => { throw new Error('no proxy'); }, store: h.store, disk: async () => ({ freeBytes: 1, sizeBytes: 2 }), version: 'test' }) });
    const counter = (s: Awaited<ReturnType<typeof collect>>) => s.families.find((f) => f.def.name === METRICS.instanceOutOfMemory.name)?.samples.find((x) => x.labels['service'] === 'web')?.value;
    const before = await collect();
    assert.equal(counter(before), 0, 'the counter exists at 0 before the first kill');

    const [victim, bystander] = h.store.instances({ service: 'web', live: true });
    assert.ok(victim && bystander);
    h.driver.crash(victim.id, 137, null, 'likely');
    h.driver.crash(bystander.id, 1, null);
    await sleep(20);
    const failed = h.store.instance(victim.id);
    assert.match(failed?.lastExit ?? '', /^killed by SIGKILL \(exit code 137\) with a memory limit of 64 MiB: most likely out of memory$/);
    assert.equal(failed?.outOfMemoryKills, 1);
    assert.equal(h.store.instance(bystander.id)?.lastExit, 'exited with code 1', 'an ordinary crash is not a memory kill');
    assert.ok(instanceEvents.some((e) => e.state === 'failed' && /memory limit of 64 MiB/.test(e.detail ?? '')), 'the instance event names the memory limit');

    const after = await collect();
    assert.equal(counter(after), 1);
    const signals = computeSignals(after, before, () => undefined);
    assert.equal(signals.get('web')?.out_of_memory_kills, 1);
    const evaluator = new Evaluator(builtinRules(), 3_600_000);
    const input = { openDeployments: new Map(), lastDeployment: () => undefined, silenced: () => false };
    const sent = evaluator.evaluate({ ...input, now: after.at, signals });
    const alerts = sent.flatMap((n) => n.alerts).filter((a) => a.rule === 'instance-out-of-memory');
    assert.equal(alerts.length, 1, JSON.stringify(sent));
    assert.equal(alerts[0]?.status, 'firing');
    assert.match(alerts[0]?.summary ?? '', /web: an instance was killed by its memory limit \(1 in the last 15 minutes\)/);
    // The next evaluation without a new kill sends nothing more for it (an event, not a state).
    const later = await collect();
    const again = evaluator.evaluate({ ...input, now: later.at, signals: computeSignals(later, after, () => undefined) });
    assert.equal(again.flatMap((n) => n.alerts).filter((a) => a.rule === 'instance-out-of-memory').length, 0);

    // The supervisor restarts it (backoff 500 ms) and the count stays with the instance.
    const deadline = Date.now() + 10_000;
    const healthy = (id: string) => h.store.instance(id)?.state === 'healthy';
    while (Date.now() < deadline && !(healthy(victim.id) && healthy(bystander.id))) await sleep(50);
    assert.equal(h.store.instance(victim.id)?.state, 'healthy');
    assert.equal(h.store.instance(victim.id)?.restarts, 1);
    assert.equal(h.store.instance(victim.id)?.outOfMemoryKills, 1);
  } finally {
    await h.close();
  }
});

test('the container driver\'s verdict: the engine\'s OOMKilled, else an unsent SIGKILL with a memory limit', () => {
  const state = (o: Partial<ContainerState>): ContainerState => ({ id: 'c', running: false, exitCode: 137, oomKilled: false, memoryLimit: 64 * MIB, labels: {}, ...o });
  assert.deepEqual(outOfMemory(state({ oomKilled: true, exitCode: 137 }), false), { outOfMemory: 'reported' });
  assert.deepEqual(outOfMemory(state({ oomKilled: true }), true), { outOfMemory: 'reported' }, 'the engine\'s word wins');
  assert.deepEqual(outOfMemory(state({}), false), { outOfMemory: 'likely' });
  assert.deepEqual(outOfMemory(state({}), true), {}, 'slipway\'s own stop (SIGKILL after the grace period) is not a memory kill');
  assert.deepEqual(outOfMemory(state({ memoryLimit: 0 }), false), {}, 'no limit, no memory kill');
  assert.deepEqual(outOfMemory(state({ exitCode: 1 }), false), {});
  assert.deepEqual(outOfMemory(undefined, false), {});
});
