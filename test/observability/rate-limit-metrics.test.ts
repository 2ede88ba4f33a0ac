// Rate-limited requests per zone and refusals by status: counted by the proxy, reported in its
// status, exported by the daemon as Prometheus metrics.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { request } from 'undici';
import { METRIC_DEFS } from '../../src/observability/metric-catalog.js';
import { FamilyBuilder } from '../../src/observability/metric-family.js';
import { renderExposition } from '../../src/observability/prom-adapter.js';
import { addProxySamples } from '../../src/observability/proxy-metrics.js';
import { ProxyStatusSchema, type ProxyStatus } from '../../src/proxy/protocol.js';
import { makeTable, startTestProxy, startUpstream } from '../helpers/proxy-fixtures.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function exposition(status: ProxyStatus | undefined): Promise<string> {
  const out = new FamilyBuilder(METRIC_DEFS);
  addProxySamples(out, status);
  return renderExposition(out.families());
}

test('429s per zone, buckets held and refusals by status are exported', async () => {
  const app = await startUpstream('app', (_req, res) => res.end('ok'));
  cleanups.push(() => app.close());
  const proxy = await startTestProxy();
  cleanups.push(() => proxy.stop());
  const table = {
    ...makeTable(1, { web: { targets: [{ id: 'a', release: 'r1', port: app.port }] } }, { routes: [{ host: '*', path: '/', service: 'web', rateLimit: 'api' }] }),
    rateLimits: { api: { perSecond: 1, burst: 3 }, idle: { perSecond: 5, burst: 5 } },
  };
  const { httpPort } = await proxy.client.putTable(table);
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) {
    const res = await request(`http://127.0.0.1:${httpPort}/`);
    await res.body.dump();
    statuses.push(res.statusCode);
  }
  const limited = statuses.filter((s) => s === 429).length;
  assert.ok(limited >= 4, statuses.join(','));
  await new Promise<void>((resolve) => {
    const socket = connect(httpPort, '127.0.0.1', () => socket.end('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'));
    socket.on('data', () => undefined);
    socket.on('close', () => resolve());
  });
  const status = await proxy.client.status();
  assert.deepEqual(status.rateLimits, { api: { limited, tracked: 1 }, idle: { limited: 0, tracked: 0 } });
  const text = await exposition(status);
  assert.match(text, new RegExp(`^slipway_proxy_rate_limited_total\\{zone="api"\\} ${limited}$`, 'm'));
  assert.match(text, /^slipway_proxy_rate_limited_total\{zone="idle"\} 0$/m);
  assert.match(text, /^slipway_proxy_rate_limit_clients\{zone="api"\} 1$/m);
  assert.match(text, new RegExp(`^slipway_proxy_requests_refused_total\\{status="429"\\} ${limited}$`, 'm'));
  assert.match(text, /^slipway_proxy_requests_refused_total\{status="400"\} 1$/m);
});

test('the status of an older proxy (without the new fields) still parses and exports no admission samples', async () => {
  const old = { pid: 1, startedAt: new Date().toISOString(), tableVersion: 3, httpPort: 80, services: {}, targets: [] };
  const parsed = ProxyStatusSchema.parse(old);
  const text = await exposition(parsed);
  assert.doesNotMatch(text, /^slipway_proxy_rate_limited_total\{/m);
  assert.doesNotMatch(text, /^slipway_proxy_requests_refused_total\{/m);
});
