// The proxy's state directory on a small tmpfs (root only), filled while requests flow: the
// proxy keeps serving, drops access-log lines (counted), refuses a table it cannot persist
// with SLW_DISK_FULL (the served table stays), and a proxy (re)started on the full disk serves
// the saved table. The tmpfs is unmounted in cleanup.
import { fillDisk } from '../helpers/fill-disk.js';
import { collectMetrics } from '../../src/observability/collector.js';
import { computeSignals } from '../../src/observability/alerting/signals.js';
import { Evaluator } from '../../src/observability/alerting/evaluator.js';
import { resolveRules } from '../../src/observability/alerting/rules.js';
import type { MetricsStore } from '../../src/observability/store-metrics.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { SlipwayError } from '../../src/errors.js';
import { ProxyClient } from '../../src/proxy/client.js';
import { freePort } from '../../src/lib/free-port.js';
import { spawnProxy } from '../../src/proxy/launch.js';
import { proxyPaths } from '../../src/proxy/paths.js';
import { makeTable, startUpstream, type Upstream } from '../helpers/proxy-fixtures.js';
import { isPidAlive } from '../../src/lib/pid-alive.js';

/** No deployment state: the proxy's own series only. */
const noState: MetricsStore = { services: () => [], release: () => undefined, instances: () => [], deployments: () => [] };
const isRoot = process.getuid?.() === 0;
let mountPoint = '';
let mounted = false;
let app: Upstream;
const pids: number[] = [];

async function stopProxy(pid: number): Promise<void> {
  if (!isPidAlive(pid)) return;
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 100 && isPidAlive(pid); i++) await new Promise((r) => setTimeout(r, 20));
}


before(async () => {
  if (!isRoot) return;
  mountPoint = await mkdtemp(join(tmpdir(), 'slipway-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint]);
  mounted = true;
  app = await startUpstream('app', (_req, res) => res.end('ok'));
});

after(async () => {
  for (const pid of pids) await stopProxy(pid);
  await app?.close();
  if (mounted) execFileSync('umount', ['-l', mountPoint]);
  if (mountPoint) await rm(mountPoint, { recursive: true, force: true });
});

test('a full disk under load: 0 failed requests, access-log lines dropped and counted, a table push refused with SLW_DISK_FULL, a restart on the full disk serves', { skip: !isRoot && 'needs root to mount a tmpfs', timeout: 120_000 }, async () => {
  const stateDir = join(mountPoint, 'state');
  await mkdir(stateDir, { recursive: true });
  const logFile = join(stateDir, 'logs', 'proxy.log');
  const { pid } = await spawnProxy({ stateDir, logFile, deadlineMs: 30_000 });
  pids.push(pid);
  const client = new ProxyClient(proxyPaths(stateDir).socket);
  // A fixed port, as in real use: the restarted proxy binds the saved table's address again.
  const table = makeTable(1, { web: { targets: [{ id: 'a', release: 'r1', port: app.port }] } }, { port: await freePort() });
  const { httpPort } = await client.putTable(table);

  const agent = new Agent({ connections: 4 });
  let ok = 0;
  const failures: string[] = [];
  let stop = false;
  const loop = async (): Promise<void> => {
    while (!stop) {
      try {
        const res = await request(`http://127.0.0.1:${httpPort}/x`, { dispatcher: agent });
        const body = await res.body.text();
        if (res.statusCode === 200 && body === 'ok') ok++;
        else failures.push(`${res.statusCode} ${body.slice(0, 80)}`);
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
  };
  const load = Promise.all([loop(), loop(), loop(), loop()]);
  try {
    await new Promise((r) => setTimeout(r, 500));
    await fillDisk(mountPoint, 64 * 1024);
    await new Promise((r) => setTimeout(r, 1500));
    // A table the proxy cannot persist is refused with a coded error; the served one stays.
    const refused = await client.putTable({ ...table, version: 2, routes: [] }).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(refused instanceof SlipwayError, `refused: ${String(refused)}`);
    assert.equal(refused.code, 'SLW_DISK_FULL', refused.message);
    assert.equal((await client.status()).tableVersion, 1);
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    stop = true;
    await load;
  }
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failed requests`);
  assert.ok(ok > 50, `${ok} requests`);
  assert.ok(isPidAlive(pid), 'the proxy is still running');
  const status = await client.status();
  assert.ok((status.accessLogDropped ?? 0) > 0, `dropped ${status.accessLogDropped}`);
  // The built-in access-log-dropping rule fires on it, from the same metrics /metrics shows.
  const snapshot = async (proxy: typeof status) => ({ at: Date.now(), families: await collectMetrics({ proxyStatus: async () => proxy, store: noState, disk: async () => ({ freeBytes: 0, sizeBytes: 1 }), version: 't' }) });
  const signals = computeSignals(await snapshot(status), await snapshot({ ...status, accessLogDropped: 0 }), () => undefined);
  assert.equal(signals.get('')?.access_log_dropped, status.accessLogDropped);
  const fired = new Evaluator(resolveRules([]), 60_000).evaluate({ now: Date.now(), signals, openDeployments: new Map(), lastDeployment: () => undefined, silenced: () => false });
  assert.ok(fired.flatMap((g) => g.alerts).some((a) => a.rule === 'access-log-dropping'), 'an alert says lines were dropped');

  // Killed on the full disk, a new proxy starts and serves the saved table.
  await stopProxy(pid);
  const again = await spawnProxy({ stateDir, logFile, deadlineMs: 30_000 }); // a slow start on a busy machine is not the point
  pids.push(again.pid);
  const res = await request(`http://127.0.0.1:${httpPort}/after-restart`, { dispatcher: agent });
  assert.equal(res.statusCode, 200);
  assert.equal(await res.body.text(), 'ok');
  await agent.close();
});
