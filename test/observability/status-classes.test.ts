// The proxy counts attempts by the status class the client got, beside (not instead of) its
// failure counters: each attempt is still at most one failure.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { statusClassOf } from '../../src/proxy/stats.js';
import { makeTable, startTestProxy, startUpstream } from '../helpers/proxy-fixtures.js';
import { freePort } from '../helpers/proxy-ports.js';

const agent = new Agent();
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await agent.close();
});

test('status classes: 2xx, 3xx, 4xx, 5xx from the app counted per release', async () => {
  const app = await startUpstream('app', (req, res) => {
    res.writeHead(Number(req.url?.slice(1)) || 200);
    res.end();
  });
  cleanups.push(() => app.close());
  const proxy = await startTestProxy();
  cleanups.push(() => proxy.stop());
  const { httpPort } = await proxy.client.putTable(makeTable(1, { web: { targets: [{ id: 'a', release: 'r7', port: app.port }] } }));
  const sent = { 200: 3, 204: 1, 301: 2, 404: 4, 500: 5, 503: 1 };
  for (const [status, n] of Object.entries(sent)) {
    for (let i = 0; i < n; i++) {
      const res = await request(`http://127.0.0.1:${httpPort}/${status}`, { dispatcher: agent });
      await res.body.dump();
      assert.equal(res.statusCode, Number(status));
    }
  }
  const stats = (await proxy.client.status()).services['web']?.['r7'];
  assert.deepEqual(stats?.statusClasses, { '1xx': 0, '2xx': 4, '3xx': 2, '4xx': 4, '5xx': 6 });
  assert.equal(stats?.requests, 16);
  assert.equal(stats?.errors5xx, 6);
});

test('a refused connection: the proxy\'s 502 is one 5xx answer and one connection error, not a second failure', async () => {
  const dead = await freePort();
  const proxy = await startTestProxy();
  cleanups.push(() => proxy.stop());
  const { httpPort } = await proxy.client.putTable(makeTable(1, { web: { targets: [{ id: 'd', release: 'r1', port: dead }] } }));
  const res = await request(`http://127.0.0.1:${httpPort}/`, { dispatcher: agent });
  await res.body.dump();
  assert.equal(res.statusCode, 502);
  const stats = (await proxy.client.status()).services['web']?.['r1'];
  // First attempt (retried: no answer of its own) + the retry (answered with the 502).
  assert.equal(stats?.requests, 2);
  assert.equal(stats?.connErrors, 2);
  assert.equal(stats?.errors5xx, 0);
  assert.deepEqual(stats?.statusClasses, { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 1 });
});

test('statusClassOf: hundreds, with anything outside 100..599 as 5xx', () => {
  assert.deepEqual([101, 200, 299, 302, 404, 499, 500, 599, 600, 42].map(statusClassOf), ['1xx', '2xx', '2xx', '3xx', '4xx', '4xx', '5xx', '5xx', '5xx', '5xx']);
});
