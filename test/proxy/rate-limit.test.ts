import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Pool, request } from 'undici';
import { TrustedProxies } from '../../src/proxy/admission/client-address.js';
import { TokenBuckets } from '../../src/proxy/admission/rate-limit.js';
import type { RoutingTableInput } from '../../src/proxy/protocol.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { makeTable, startUpstream, type Upstream } from '../helpers/proxy-fixtures.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const BUCKET_CAP = 10_000;
let app: Upstream;
let server: ProxyServer;
let stateDir: string;
let port: number;
let version = 0;

function table(extra: Partial<RoutingTableInput>): RoutingTableInput {
  const base = makeTable(++version, { web: { targets: [{ id: 'a1', release: 'r1', port: app.port }] }, empty: { targets: [] } }, {
    routes: [
      { host: 'app.test', path: '/', service: 'web', rateLimit: 'api' },
      { host: 'app.test', path: '/free', service: 'web' },
      { host: 'flood.test', path: '/', service: 'empty', rateLimit: 'flood' },
    ],
  });
  return {
    ...base,
    trustedProxies: ['127.0.0.1/32', '10.0.0.0/8'],
    rateLimits: { api: { perSecond: 20, burst: 20 }, flood: { perSecond: 0.1, burst: 5 } }, // flood: refills in 50 s, so only the cap bounds it here
    ...extra,
  };
}

before(async () => {
  app = await startUpstream('app', (_req, res) => res.end('ok'));
  stateDir = await mkdtemp(join(tmpdir(), 'slipway-ratelimit-'));
  server = new ProxyServer({ tablePath: join(stateDir, 'table.json'), rateLimitBucketCap: BUCKET_CAP });
  port = (await server.applyTable(table({}))).httpPort;
});

after(async () => {
  await server?.close(100);
  await app?.close();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

async function get(path: string, headers: Record<string, string>, host = 'app.test'): Promise<{ status: number; retryAfter: string | undefined }> {
  const res = await request(`http://127.0.0.1:${port}${path}`, { headers: { host, ...headers } });
  await res.body.dump();
  const retry = res.headers['retry-after'];
  return { status: res.statusCode, retryAfter: Array.isArray(retry) ? retry[0] : retry };
}

test('flood: a client at 10× its zone rate gets 429 with Retry-After; another at a normal rate gets no error', async () => {
  const flooder = { 'x-forwarded-for': '203.0.113.1' };
  const normal = { 'x-forwarded-for': '203.0.113.2' };
  const durationMs = 2000;
  const flood: Array<{ status: number; retryAfter: string | undefined }> = [];
  const calm: number[] = [];
  const started = Date.now();
  // The zone allows 20/s (burst 20): the flooder sends 200/s (20 every 100 ms), the other 10/s.
  const floodRun = (async () => {
    while (Date.now() - started < durationMs) {
      const tick = Date.now();
      flood.push(...(await Promise.all(Array.from({ length: 20 }, () => get('/api', flooder)))));
      await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - tick))));
    }
  })();
  const calmRun = (async () => {
    while (Date.now() - started < durationMs) {
      calm.push((await get('/api', normal)).status);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  await Promise.all([floodRun, calmRun]);
  const elapsedS = (Date.now() - started) / 1000;
  const limited = flood.filter((r) => r.status === 429);
  const passed = flood.filter((r) => r.status === 200);
  assert.equal(limited.length + passed.length, flood.length, 'every flood request got 200 or 429');
  assert.ok(limited.length > flood.length / 2, `${limited.length} of ${flood.length} flood requests limited`);
  // At most the burst plus what refilled meanwhile got through.
  assert.ok(passed.length <= 20 + Math.ceil(20 * elapsedS) + 2, `${passed.length} flood requests passed in ${elapsedS}s`);
  for (const r of limited) assert.ok(Number(r.retryAfter) >= 1, `Retry-After was ${r.retryAfter}`);
  assert.ok(calm.length >= 10);
  assert.deepEqual(calm.filter((s) => s !== 200), [], 'the client at a normal rate got errors');
  const stats = server.status().rateLimits?.['api'];
  assert.ok(stats && stats.limited === limited.length, JSON.stringify(stats));
});

test('routes without a zone are not limited', async () => {
  const statuses = await Promise.all(Array.from({ length: 60 }, () => get('/free', { 'x-forwarded-for': '203.0.113.1' })));
  assert.deepEqual([...new Set(statuses.map((s) => s.status))], [200]);
});

test('X-Forwarded-For from a peer that is not a trusted proxy is not believed', async () => {
  await server.applyTable(table({ trustedProxies: ['10.0.0.0/8'] }));
  try {
    // Each request claims another address; all come from 127.0.0.1, which is not trusted now: one bucket.
    const statuses = [];
    for (let i = 0; i < 30; i++) statuses.push((await get('/api', { 'x-forwarded-for': `198.51.100.${i}` })).status);
    assert.ok(statuses.filter((s) => s === 429).length >= 5, statuses.join(','));
  } finally {
    await server.applyTable(table({}));
  }
});

test('memory stays bounded with 100,000 distinct client addresses', async () => {
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 16, pipelining: 1 });
  try {
    let next = 0;
    const statuses = new Map<number, number>();
    const worker = async (): Promise<void> => {
      while (next < 100_000) {
        const i = next++;
        const address = `172.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
        const res = await pool.request({ path: '/', method: 'GET', headers: { host: 'flood.test', 'x-forwarded-for': address } });
        await res.body.dump();
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    // Every address is new: each got its first token (then 503: the service has no instance).
    assert.deepEqual([...statuses], [[503, 100_000]]);
  } finally {
    await pool.close();
  }
  const tracked = server.status().rateLimits?.['flood']?.tracked ?? -1;
  assert.ok(tracked > 0 && tracked <= BUCKET_CAP, `${tracked} buckets held (cap ${BUCKET_CAP})`);
  gc();
  const growth = process.memoryUsage().heapUsed - heapBefore;
  // 100,000 buckets would take well over 10 MB; the cap keeps 10,000 (about 1.5 MB).
  assert.ok(growth < 8 * 1024 * 1024, `heap grew by ${(growth / 1024 / 1024).toFixed(1)} MB`);
});

test('token buckets: idle full buckets are dropped, and the least recently used is evicted past the cap', () => {
  const buckets = new TokenBuckets({ perSecond: 10, burst: 5 }, 100);
  for (let i = 0; i < 100; i++) assert.equal(buckets.take(`a${i}`, 0), 0);
  assert.equal(buckets.size, 100);
  assert.equal(buckets.take('b', 1), 0); // full: the oldest (a0) goes
  assert.equal(buckets.size, 100);
  // a0 was evicted: it starts again with a full bucket; a1 keeps its count.
  for (let i = 0; i < 4; i++) assert.equal(buckets.take('a1', 2), 0);
  assert.ok(buckets.take('a1', 2) > 0, 'a1 should be out of tokens');
  // After the refill time (burst / rate = 500 ms) untouched buckets are full again and swept as requests come.
  for (let i = 0; i < 40; i++) buckets.take(`c${i}`, 10_000);
  assert.ok(buckets.size < 100, `size ${buckets.size}`);
  // Refill: one token per 100 ms; the wait announced is until the next token.
  const t = new TokenBuckets({ perSecond: 10, burst: 1 });
  assert.equal(t.take('x', 0), 0);
  assert.equal(t.take('x', 30), 70);
  assert.equal(t.take('x', 100), 0);
});

test('client address: X-Forwarded-For is read from the right through trusted hops only', () => {
  const trusted = new TrustedProxies(['127.0.0.1', '10.0.0.0/8', '2001:db8::/32']);
  assert.equal(trusted.clientOf('203.0.113.5', '198.51.100.1'), '203.0.113.5');
  assert.equal(trusted.clientOf('127.0.0.1', '198.51.100.1'), '198.51.100.1');
  assert.equal(trusted.clientOf('127.0.0.1', '1.1.1.1, 198.51.100.1, 10.2.3.4'), '198.51.100.1');
  assert.equal(trusted.clientOf('127.0.0.1', ['1.1.1.1', '10.2.3.4']), '1.1.1.1');
  assert.equal(trusted.clientOf('127.0.0.1', 'garbage, 10.2.3.4'), '10.2.3.4');
  assert.equal(trusted.clientOf('127.0.0.1', undefined), '127.0.0.1');
  assert.equal(trusted.clientOf('2001:db8::1', '2001:db9::7'), '2001:db9::7');
  assert.equal(new TrustedProxies([]).clientOf('127.0.0.1', '198.51.100.1'), '127.0.0.1');
});
