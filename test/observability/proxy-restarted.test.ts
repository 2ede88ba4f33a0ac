// A proxy killed under the daemon's supervisor: restarted, with a `proxy-restarted` event, a
// counter in /metrics (slipway_proxy_restarts_total) and the built-in alert's signal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProxySupervisor } from '../../src/daemon/proxy-supervisor.js';
import { builtinRules } from '../../src/observability/alerting/builtin-rules.js';
import { computeSignals } from '../../src/observability/alerting/signals.js';
import { collectMetrics } from '../../src/observability/collector.js';
import { METRICS } from '../../src/observability/metric-catalog.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { isPidAlive } from '../../src/lib/pid-alive.js';

test('a killed proxy is restarted by the supervisor: event, counter metric and alert signal', { timeout: 60_000 }, async () => {
  const stateDir = await mkdtemp(join(tmpdir(), 'slipway-proxy-restarted-'));
  const supervisor = new ProxySupervisor(stateDir);
  const store = new SqliteStore(join(stateDir, 'state.db'));
  const pids: number[] = [];
  try {
    const first = await supervisor.ensure(undefined);
    pids.push(first.pid);
    const collect = () =>
      collectMetrics({ proxyStatus: () => supervisor.status(), store, disk: async () => ({ freeBytes: 1, sizeBytes: 2 }), version: 'test', proxyRestarts: () => supervisor.restarts });
    const before = { at: Date.now(), families: await collect() };
    supervisor.watch();
    const restarted = once(supervisor, 'proxy-restarted');
    const keepAlive = setInterval(() => undefined, 100); // the supervisor's own timer is unref'd
    process.kill(first.pid, 'SIGKILL');
    const [event] = (await restarted.finally(() => clearInterval(keepAlive))) as [{ pid: number; restarts: number; downMs: number }];
    pids.push(event.pid);
    assert.notEqual(event.pid, first.pid);
    assert.equal(event.restarts, 1);
    assert.ok(event.downMs >= 0);
    assert.equal((await supervisor.status()).pid, event.pid);
    const after = { at: Date.now(), families: await collect() };
    const family = after.families.find((f) => f.def.name === METRICS.proxyRestarts.name);
    assert.deepEqual(family?.samples.map((s) => s.value), [1]);
    const signals = computeSignals(after, before, () => undefined);
    assert.equal(signals.get('')?.proxy_restarts, 1);
    const rule = builtinRules().find((r) => r.name === 'proxy-restarted');
    assert.ok(rule && rule.event && rule.op === 'above' && rule.threshold === 0, 'a built-in alert fires on any restart');
  } finally {
    supervisor.close();
    await supervisor.shutdown();
    store.close();
    for (const pid of pids) if (isPidAlive(pid)) process.kill(pid, 'SIGKILL');
    await rm(stateDir, { recursive: true, force: true });
  }
});
