// The admin listener on a real socket: /metrics, /health/live, /health/ready (200 and each
// way to 503, with its code), wrong paths and methods, a busy port, and close().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diskSpace } from '../../src/lib/disk-space.js';
import { appTargetGroups } from '../../src/observability/app-targets.js';
import { AdminServer } from '../../src/observability/admin-server.js';
import { collectMetrics } from '../../src/observability/collector.js';
import { checkReadiness, type ReadinessProbes } from '../../src/observability/readiness.js';
import type { ProxyStatus } from '../../src/proxy/protocol.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { SlipwayError } from '../../src/errors.js';

const status: ProxyStatus = { pid: 1, startedAt: new Date().toISOString(), tableVersion: 1, httpPort: 80, services: {}, targets: [] };

async function withAdmin(
  probes: (store: SqliteStore, dir: string) => Partial<ReadinessProbes>,
  fn: (url: string, store: SqliteStore) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-admin-'));
  const store = new SqliteStore(join(dir, 'state.db'));
  const all: ReadinessProbes = {
    proxy: async () => status,
    journal: () => store.probeWrite(),
    disk: () => diskSpace(dir),
    diskFloorBytes: 1024,
    ...probes(store, dir),
  };
  const admin = new AdminServer({
    metrics: () => collectMetrics({ proxyStatus: async () => status, store, disk: all.disk, version: 't' }),
    readiness: () => checkReadiness(all),
    targets: () => appTargetGroups([{ project: 'shop', store }]),
  });
  const bound = await admin.listen({ host: '127.0.0.1', port: 0 });
  try {
    await fn(`http://127.0.0.1:${bound.port}`, store);
  } finally {
    await admin.close();
    store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function get(url: string, method = 'GET') {
  const res = await fetch(url, { method });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', text, json: () => JSON.parse(text) };
}

test('metrics, live and ready when all is well', async () => {
  await withAdmin(() => ({}), async (url) => {
    const metrics = await get(`${url}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.type, /^text\/plain; version=0\.0\.4/);
    assert.match(metrics.text, /^slipway_proxy_up 1$/m);
    assert.match(metrics.text, /^# TYPE slipway_http_requests_total counter$/m);
    const live = await get(`${url}/health/live`);
    assert.equal(live.status, 200);
    assert.equal(live.json().status, 'live');
    assert.equal(live.json().pid, process.pid);
    const ready = await get(`${url}/health/ready`);
    assert.equal(ready.status, 200, ready.text);
    assert.equal(ready.json().status, 'ready');
    assert.deepEqual(Object.keys(ready.json().checks), ['proxy', 'journal', 'disk']);
    const head = await get(`${url}/health/ready`, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
  });
});

test('not ready: each failed check gives 503 and its code', async () => {
  const cases: { name: string; probes: (store: SqliteStore) => Partial<ReadinessProbes>; check: string; code: string }[] = [
    { name: 'proxy', probes: () => ({ proxy: async () => Promise.reject(new Error('connect ECONNREFUSED')) }), check: 'proxy', code: 'SLW_READY_PROXY_DOWN' },
    { name: 'journal', probes: (store) => ({ journal: () => (store.close(), store.probeWrite()) }), check: 'journal', code: 'SLW_READY_JOURNAL_UNWRITABLE' },
    { name: 'disk', probes: () => ({ diskFloorBytes: Number.MAX_SAFE_INTEGER }), check: 'disk', code: 'SLW_READY_DISK_LOW' },
  ];
  for (const c of cases) {
    await withAdmin(c.probes, async (url) => {
      const ready = await get(`${url}/health/ready`);
      assert.equal(ready.status, 503, c.name);
      const body = ready.json();
      assert.equal(body.status, 'not ready');
      const failed = Object.entries(body.checks as Record<string, { ok: boolean; code?: string; detail: string }>).filter(([, v]) => !v.ok);
      assert.deepEqual(failed.map(([k, v]) => [k, v.code]), [[c.check, c.code]], c.name);
      assert.ok(failed[0]?.[1].detail, 'a failed check says why');
      assert.equal((await get(`${url}/health/live`)).status, 200, 'still live');
    });
  }
});

test('wrong paths and methods', async () => {
  await withAdmin(() => ({}), async (url) => {
    assert.equal((await get(`${url}/`)).status, 404);
    assert.equal((await get(`${url}/metrics/x`)).status, 404);
    const post = await fetch(`${url}/metrics`, { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    await post.body?.cancel();
  });
});

test('a busy port: SLW_ADMIN_LISTEN_FAILED', async () => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const port = (holder.address() as { port: number }).port;
  const admin = new AdminServer({ metrics: async () => [], readiness: async () => ({ ready: true }) as never, targets: () => [] });
  try {
    await assert.rejects(admin.listen({ host: '127.0.0.1', port }), (err: unknown) => {
      assert.ok(err instanceof SlipwayError);
      assert.equal(err.code, 'SLW_ADMIN_LISTEN_FAILED');
      assert.match(err.message, /EADDRINUSE/);
      return true;
    });
  } finally {
    await admin.close();
    await new Promise<void>((resolve) => holder.close(() => resolve()));
  }
});

test('close() returns with a keep-alive scraper connected', async () => {
  const admin = new AdminServer({ metrics: async () => [], readiness: async () => ({ ready: true }) as never, targets: () => [] });
  const { port } = await admin.listen({ host: '127.0.0.1', port: 0 });
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { connection: 'keep-alive' } });
  await res.text();
  const began = Date.now();
  await admin.close();
  assert.ok(Date.now() - began < 1500, 'idle keep-alive connections do not hold close()');
});
