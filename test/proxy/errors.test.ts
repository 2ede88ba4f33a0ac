import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { makeTable, startTestProxy, startUpstream, type TestProxy, type Upstream } from '../helpers/proxy-fixtures.js';
import { freePort } from '../helpers/proxy-ports.js';

const agent = new Agent();
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await agent.close();
});

async function proxyWith(table: Parameters<TestProxy['client']['putTable']>[0], upstreamTimeoutMs?: number) {
  const proxy = await startTestProxy(upstreamTimeoutMs === undefined ? {} : { upstreamTimeoutMs });
  cleanups.push(() => proxy.stop());
  const { httpPort } = await proxy.client.putTable(table);
  return { proxy, url: `http://127.0.0.1:${httpPort}` };
}

async function keep(u: Promise<Upstream>): Promise<Upstream> {
  const up = await u;
  cleanups.push(() => up.close());
  return up;
}

test('502 when the only target refuses connections: page and header carry the request id', async () => {
  const dead = await freePort();
  const { proxy, url } = await proxyWith(makeTable(1, { web: { targets: [{ id: 'd', release: 'r1', port: dead }] } }));
  const res = await request(`${url}/`, { headers: { 'x-request-id': 'bad-gw-1' }, dispatcher: agent });
  assert.equal(res.statusCode, 502);
  assert.equal(res.headers['x-request-id'], 'bad-gw-1');
  assert.match(await res.body.text(), /bad-gw-1/);
  const json = await request(`${url}/`, { headers: { accept: 'application/json', 'x-request-id': 'bad-gw-2' }, dispatcher: agent });
  // the failed target was marked unhealthy (fall 1): now there is no healthy target at all
  assert.equal(json.statusCode, 503);
  assert.deepEqual(((await json.body.json()) as { error: { requestId: string } }).error.requestId, 'bad-gw-2');
  const status = await proxy.client.status();
  assert.equal(status.services['web']?.['r1']?.connErrors, 2, 'first attempt + its retry on the same target');
  assert.equal(status.services['web']?.['r1']?.errors5xx, 0, 'the 502 the proxy made is the connection error, not a second failure');
  assert.equal(status.targets[0]?.healthy, false);
  assert.match(status.targets[0]?.lastError ?? '', /ECONNREFUSED/);
});

test('502 when the app resets the connection before answering', async () => {
  const app = await keep(startUpstream('reset', (req) => req.socket.destroy()));
  const { proxy, url } = await proxyWith(makeTable(1, { web: { targets: [{ id: 'a', release: 'r1', port: app.port }] } }));
  const res = await request(`${url}/`, { headers: { accept: 'application/json' }, dispatcher: agent });
  assert.equal(res.statusCode, 502);
  const body = (await res.body.json()) as { error: { requestId: string; status: number } };
  assert.equal(body.error.status, 502);
  assert.equal(body.error.requestId, res.headers['x-request-id']);
  assert.equal(app.seen.length, 2, 'a GET is retried once');
  assert.equal((await proxy.client.status()).targets[0]?.healthy, true, 'a reset is not a health signal');
});

test('503 when the service has no healthy target', async () => {
  const { url } = await proxyWith(makeTable(1, { web: { targets: [] } }));
  const res = await request(`${url}/x`, { headers: { 'x-request-id': 'unavail-1' }, dispatcher: agent });
  assert.equal(res.statusCode, 503);
  assert.equal(res.headers['x-request-id'], 'unavail-1');
  assert.match(await res.body.text(), /unavail-1/);
});

test('504 when the app does not answer within the upstream timeout', async () => {
  const app = await keep(startUpstream('slow', () => undefined));
  const { proxy, url } = await proxyWith(makeTable(1, { web: { targets: [{ id: 'a', release: 'r1', port: app.port }] } }), 300);
  const started = Date.now();
  const res = await request(`${url}/`, { headers: { 'x-request-id': 'slow-1' }, dispatcher: agent });
  assert.equal(res.statusCode, 504);
  assert.ok(Date.now() - started >= 250);
  assert.match(await res.body.text(), /slow-1/);
  const stats = (await proxy.client.status()).services['web']?.['r1'];
  assert.equal(stats?.timeouts, 1);
  assert.equal(stats?.errors5xx, 0, 'the 504 is the timeout, counted once');
  assert.equal(app.seen.length, 1, 'a timeout is not retried');
});

test('a client that gives up aborts the upstream request and frees the target', async () => {
  let upstreamClosed!: () => void;
  const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
  const app = await keep(startUpstream('hang', (_req, res) => res.on('close', () => upstreamClosed())));
  const { proxy, url } = await proxyWith(makeTable(1, { web: { targets: [{ id: 'a', release: 'r1', port: app.port }] } }));
  const ac = new AbortController();
  const pending = request(`${url}/`, { signal: ac.signal, dispatcher: agent });
  while (app.seen.length === 0) await new Promise((r) => setTimeout(r, 10));
  assert.equal((await proxy.client.status()).targets[0]?.inflight, 1);
  ac.abort();
  await assert.rejects(pending);
  await closed;
  await new Promise((r) => setTimeout(r, 20));
  const status = await proxy.client.status();
  assert.equal(status.targets[0]?.inflight, 0);
  assert.equal(status.services['web']?.['r1']?.errors5xx, 0);
});
