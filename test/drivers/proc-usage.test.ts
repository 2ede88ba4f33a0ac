// CPU and memory of instances of the process driver, read from /proc for the whole process
// group: the parser (with a fuzz test), then real processes — a service whose group holds two
// Node processes that allocate and spin, beside an idle one — through the collector and the
// alert signals to a custom `memory_bytes` rule that fires for the heavy service only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseCpuTicks, parseRssBytes } from '../../src/drivers/local/proc-usage.js';
import { collectMetrics, type UsageSample } from '../../src/observability/collector.js';
import { computeSignals, parseThreshold } from '../../src/observability/alerting/signals.js';
import { Evaluator } from '../../src/observability/alerting/evaluator.js';
import { resolveRules } from '../../src/observability/alerting/rules.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { InstanceHandle } from '../../src/drivers/driver.js';
import { LocalDriverLab } from '../helpers/driver-local.js';
import { waitUntil } from '../helpers/driver-wait.js';

const statLine = (comm: string, utime: number, stime: number, cutime: number, cstime: number): string =>
  `4242 (${comm}) S 1 4242 4242 0 -1 4194304 100 0 0 0 ${utime} ${stime} ${cutime} ${cstime} 20 0 1 0 12345 1000000 250 18446744073709551615`;

test('/proc/<pid>/stat: CPU ticks are fields 14 to 17, counted from the last ")" whatever the command name holds', () => {
  assert.deepEqual(parseCpuTicks(statLine('node', 10, 5, 2, 1)), { pgrp: 4242, state: 'S', ticks: 18 });
  assert.deepEqual(parseCpuTicks(statLine('a) b (c) S 9 9 9', 1, 1, 0, 0)), { pgrp: 4242, state: 'S', ticks: 2 });
  assert.equal(parseCpuTicks('4242 node S 1'), undefined);
  assert.equal(parseCpuTicks(''), undefined);
  assert.equal(parseRssBytes('Name:\tnode\nVmRSS:\t   51200 kB\nThreads: 7\n'), 51200 * 1024);
  assert.equal(parseRssBytes('Name:\tkthreadd\nThreads: 1\n'), 0);
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), fc.array(fc.nat({ max: 1e9 }), { minLength: 4, maxLength: 4 }), (comm, [u, s, cu, cs]) => {
      assert.equal(parseCpuTicks(statLine(comm, u!, s!, cu!, cs!))?.ticks, u! + s! + cu! + cs!);
    }),
    { numRuns: 1000 },
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (text) => {
      const parsed = parseCpuTicks(text);
      assert.ok(parsed === undefined || (Number.isInteger(parsed.pgrp) && parsed.ticks >= 0));
      assert.ok(parseRssBytes(text) >= 0);
    }),
    { numRuns: 1000 },
  );
});

/** Allocates and touches ~120 MB, spins until it has used 1.5 s of CPU (however busy the machine), then idles. */
const HOG = "const b = Buffer.alloc(120 * 1024 * 1024, 1); while (process.cpuUsage().user < 1.5e6) {} setInterval(() => b[0]++, 1000);";
const IDLE = 'setInterval(() => undefined, 1000);';

test('a process group\'s CPU and memory through the collector and the signals: a memory_bytes rule fires for the heavy service only', { timeout: 60_000 }, async () => {
  const lab = await LocalDriverLab.create();
  const driver = lab.driver();
  const store = new SqliteStore(join(lab.root, 'state.db'));
  const started: InstanceHandle[] = [];
  try {
    // The heavy service's instance is a shell leading two Node processes in its group.
    const heavySpec = await lab.spec('heavy-r1-1', '');
    const heavy = await driver.start({ ...heavySpec, service: 'heavy', command: ['sh', '-c', `"${process.execPath}" -e '${HOG}' & "${process.execPath}" -e '${HOG}' & wait`] });
    started.push(heavy);
    const idle = await driver.start({ ...(await lab.spec('idle-r1-1', IDLE)), service: 'idle' });
    started.push(idle);
    const usage = async (): Promise<UsageSample[]> => {
      const out: UsageSample[] = [];
      for (const [service, handle] of [['heavy', heavy], ['idle', idle]] as const) {
        const u = await driver.usage(handle);
        if (u) out.push({ service, release: 'r1', instance: handle.id, ...u });
      }
      return out;
    };
    const collect = async () => ({ at: Date.now(), families: await collectMetrics({ proxyStatus: () => Promise.reject(new Error('no proxy')), store, disk: async () => ({ freeBytes: 1, sizeBytes: 2 }), version: 'test', usage }) });
    const first = await collect();
    await waitUntil(async () => ((await driver.usage(heavy))?.memoryBytes ?? 0) > 220 * 1024 ** 2 && ((await driver.usage(heavy))?.cpuSeconds ?? 0) > 2, 'both hogs allocated and spun', 40_000);
    const second = await collect();
    const h = await driver.usage(heavy);
    const i = await driver.usage(idle);
    assert.ok(h && i);
    assert.ok(h.memoryBytes > 2 * 120 * 1024 ** 2, `the group's memory is the sum of both processes: ${h.memoryBytes}`);
    assert.ok(i.memoryBytes < 100 * 1024 ** 2, `idle: ${i.memoryBytes}`);
    assert.ok(h.cpuSeconds >= 2 && i.cpuSeconds < 1, `cpu heavy ${h.cpuSeconds}, idle ${i.cpuSeconds}`);

    const signals = computeSignals(second, first, () => first);
    assert.ok((signals.get('heavy')?.memory_bytes ?? 0) > 120 * 1024 ** 2);
    // Cores in use over the window: the CPU seconds the group gained, per second of the window.
    const cpuOf = (snap: typeof first, service: string): number =>
      snap.families.find((f) => f.def.name === 'slipway_instance_cpu_seconds_total')?.samples.find((x) => x.labels['service'] === service)?.value ?? NaN;
    const expected = (cpuOf(second, 'heavy') - cpuOf(first, 'heavy')) / ((second.at - first.at) / 1000);
    assert.ok(Math.abs((signals.get('heavy')?.cpu_cores ?? 0) - expected) < 1e-9, `cores ${signals.get('heavy')?.cpu_cores}, expected ${expected}`);
    assert.ok(expected > 10 * (signals.get('idle')?.cpu_cores ?? 1), `heavy ${expected} against idle ${signals.get('idle')?.cpu_cores}`);
    const threshold = parseThreshold('memory_bytes', '100MB');
    assert.equal(threshold, 100 * 1024 ** 2);
    const rules = resolveRules([{ name: 'memory-high', enabled: undefined, service: undefined, signal: 'memory_bytes', op: 'above', threshold, forMs: 0, severity: undefined, summary: undefined, hint: undefined }]);
    const fired = new Evaluator(rules, 60_000).evaluate({ now: Date.now(), signals, openDeployments: new Map(), lastDeployment: () => undefined, silenced: () => false });
    const alerts = fired.flatMap((g) => g.alerts).filter((a) => a.rule === 'memory-high');
    assert.deepEqual(alerts.map((a) => a.service), ['heavy']);
    assert.match(alerts[0]!.summary, /memory_bytes is \d+ MiB/);

    await driver.stop(heavy, { graceMs: 2000 });
    assert.equal(await driver.usage(heavy), undefined, 'nothing left of the group');
  } finally {
    store.close();
    await lab.cleanup(started);
  }
});
