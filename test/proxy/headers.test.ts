import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as h2connect } from 'node:http2';
import { brotliDecompressSync } from 'node:zlib';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertStore } from '../../src/certs/cert-store.js';
import { LocalCa } from '../../src/certs/local-ca.js';
import type { RoutingTableInput, ServiceTable } from '../../src/proxy/protocol.js';
import { makeTable, startTestProxy, startUpstream, type TestProxy, type Upstream } from '../helpers/proxy-fixtures.js';

/** Header snapshots of each preset: a change here is a change users see. */
const STRICT = {
  'content-security-policy':
    "default-src 'self'; base-uri 'self'; object-src 'none'; frame-ancestors 'self'; form-action 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self' 'unsafe-inline'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'SAMEORIGIN',
  'referrer-policy': 'same-origin',
  'permissions-policy': 'accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()',
  'cross-origin-opener-policy': 'same-origin',
};
const RELAXED = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'SAMEORIGIN',
  'referrer-policy': 'strict-origin-when-cross-origin',
};

/** Fields every response has whatever the policy (framing, date, request id, the app's own). */
const TRANSPORT = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'x-request-id', 'content-type']);

let app: Upstream;
let proxy: TestProxy;
let port = 0;
let httpsPort = 0;
let version = 0;
let dir: string;
let caPem: string;
let tls: RoutingTableInput['tls'];

/** The app answers with the headers named by the path: /h/<json of headers>. */
before(async () => {
  app = await startUpstream('app', (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const extra = url.pathname === '/h' ? (JSON.parse(url.searchParams.get('set') ?? '{}') as OutgoingHttpHeaders) : {};
    res.writeHead(200, { 'content-type': 'text/plain', ...extra });
    res.end('ok');
  });
  proxy = await startTestProxy();
  dir = await mkdtemp(join(tmpdir(), 'slipway-headers-'));
  const ca = new LocalCa(join(dir, 'certs'));
  caPem = await ca.rootPem();
  const pair = await ca.issue(['app.localhost']);
  const stored = await new CertStore(join(dir, 'certs')).install('app', { ...pair, hosts: ['app.localhost'], source: 'internal' });
  tls = [{ hosts: ['app.localhost'], certFile: stored.certFile, keyFile: stored.keyFile, redirectHttp: false, hstsMaxAge: 31_536_000 }];
});

after(async () => {
  await proxy?.stop();
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Routes app.localhost to `web` with the given policy fields; `down` has no target. */
async function push(policy: Partial<ServiceTable>): Promise<void> {
  const table = makeTable(++version, {
    web: { targets: [{ id: 'a1', release: 'r1', port: app.port }] },
    down: { targets: [] },
  }, {
    routes: [
      { host: 'app.localhost', path: '/', service: 'web' },
      { host: 'app.localhost', path: '/down', service: 'down' },
    ],
  });
  Object.assign(table.services['web'] ?? {}, policy);
  Object.assign(table.services['down'] ?? {}, policy);
  const ack = await proxy.client.putTable({ ...table, listen: { host: '127.0.0.1', http: port, https: httpsPort }, tls });
  port = ack.httpPort;
  httpsPort = ack.httpsPort ?? 0;
}

interface Got {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
}

function get(path: string, options: { https?: boolean; host?: string } = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const common = { host: '127.0.0.1', path, headers: { host: options.host ?? 'app.localhost' }, agent: false as const };
    const onResponse = (res: import('node:http').IncomingMessage): void => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    };
    const req = options.https
      ? httpsRequest({ ...common, port: httpsPort, ca: caPem, servername: 'app.localhost' }, onResponse)
      : httpRequest({ ...common, port }, onResponse);
    req.on('error', reject);
    req.end();
  });
}

function appGet(set: Record<string, string>, options: { https?: boolean } = {}): Promise<Got> {
  return get(`/h?set=${encodeURIComponent(JSON.stringify(set))}`, options);
}

/** The response's headers minus the transport fields. */
function policyHeaders(headers: IncomingHttpHeaders): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !TRANSPORT.has(name)));
}

test('strict: exactly the strict set is added', async () => {
  await push({ headers: { preset: 'strict' } });
  const res = await get('/');
  assert.equal(res.status, 200);
  assert.deepEqual(policyHeaders(res.headers), STRICT);
});

test('relaxed: exactly the relaxed set is added', async () => {
  await push({ headers: { preset: 'relaxed' } });
  assert.deepEqual(policyHeaders((await get('/')).headers), RELAXED);
});

test('off, and a service without a header policy: nothing is added', async () => {
  await push({ headers: { preset: 'off' } });
  assert.deepEqual(policyHeaders((await get('/')).headers), {});
  await push({});
  assert.deepEqual(policyHeaders((await get('/')).headers), {});
});

test('headers the app sets itself are kept', async () => {
  await push({ headers: { preset: 'strict' } });
  const own = { 'content-security-policy': "default-src 'none'", 'x-frame-options': 'DENY', 'x-app': 'mine' };
  const res = await appGet(own);
  assert.deepEqual(policyHeaders(res.headers), { ...STRICT, ...own });
});

test('set replaces the app value, remove drops the app header and the preset one', async () => {
  await push({
    headers: { preset: 'strict', set: { 'x-frame-options': 'DENY', 'x-extra': 'yes' }, remove: ['x-powered-by', 'permissions-policy'] },
  });
  const res = await appGet({ 'x-frame-options': 'ALLOW-FROM https://old.example', 'x-powered-by': 'Express', 'permissions-policy': 'camera=*' });
  const expected: Record<string, string> = { ...STRICT, 'x-frame-options': 'DENY', 'x-extra': 'yes' };
  delete expected['permissions-policy'];
  assert.deepEqual(policyHeaders(res.headers), expected);
});

test("the proxy's own error pages carry the service's headers; unrouted requests get the strict set", async () => {
  await push({ headers: { preset: 'relaxed', set: { 'x-extra': 'yes' } } });
  const down = await get('/down');
  assert.equal(down.status, 503);
  assert.deepEqual(policyHeaders(down.headers), { ...RELAXED, 'x-extra': 'yes', 'cache-control': 'no-store' });
  const unrouted = await get('/', { host: 'nobody.localhost' });
  assert.equal(unrouted.status, 404);
  assert.deepEqual(policyHeaders(unrouted.headers), { ...STRICT, 'cache-control': 'no-store' });
  await push({ headers: { preset: 'off' } });
  assert.deepEqual(policyHeaders((await get('/down')).headers), { 'cache-control': 'no-store' });
});

test('HSTS goes out over HTTPS only, never over plain HTTP', async () => {
  await push({ headers: { preset: 'strict' } });
  const secure = await get('/', { https: true });
  assert.equal(secure.status, 200);
  assert.equal(secure.headers['strict-transport-security'], 'max-age=31536000');
  assert.deepEqual(policyHeaders(secure.headers), { ...STRICT, 'strict-transport-security': 'max-age=31536000' });
  const plain = await get('/');
  assert.equal(plain.headers['strict-transport-security'], undefined);
  assert.deepEqual(policyHeaders(plain.headers), STRICT);
});

test('a header value carrying CR LF is refused with the whole table', async () => {
  await assert.rejects(
    proxy.client.putTable({ ...makeTable(++version, { web: { targets: [] } }), services: { web: { health: { path: '/', intervalMs: 1000, timeoutMs: 1000, rise: 1, fall: 1 }, drainMs: 1, targets: [], headers: { preset: 'strict', set: { 'x-evil': 'a\r\nset-cookie: x=1' } } } } }),
  );
  version--;
});

test('over HTTP/2 too: the preset, HSTS, and a brotli body that decodes', async () => {
  await push({ headers: { preset: 'strict' }, compress: true });
  const session = h2connect(`https://127.0.0.1:${httpsPort}`, { ca: caPem, servername: 'app.localhost' });
  try {
    const { headers, body } = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      const stream = session.request({ ':path': '/', ':authority': 'app.localhost', 'accept-encoding': 'br' });
      let head: Record<string, unknown> = {};
      const chunks: Buffer[] = [];
      stream.on('response', (h) => (head = h));
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => resolve({ headers: head, body: Buffer.concat(chunks) }));
      stream.on('error', reject);
      stream.end();
    });
    assert.equal(headers[':status'], 200);
    assert.equal(headers['content-encoding'], 'br');
    assert.equal(headers['strict-transport-security'], 'max-age=31536000');
    for (const [name, value] of Object.entries(STRICT)) assert.equal(headers[name], value, name);
    assert.equal(brotliDecompressSync(body).toString(), 'ok');
  } finally {
    session.close();
  }
});

test('a refusal answered before any service (429 from a rate-limit zone) carries the strict set', async () => {
  const table = makeTable(++version, { web: { targets: [{ id: 'a1', release: 'r1', port: app.port }] } }, {
    routes: [{ host: 'app.localhost', path: '/', service: 'web', rateLimit: 'tight' }],
  });
  const ack = await proxy.client.putTable({
    ...table,
    listen: { host: '127.0.0.1', http: port, https: httpsPort },
    tls,
    rateLimits: { tight: { perSecond: 0.001, burst: 1 } },
  });
  port = ack.httpPort;
  const first = await get('/');
  assert.equal(first.status, 200);
  const refused = await get('/');
  assert.equal(refused.status, 429);
  for (const [name, value] of Object.entries(STRICT)) assert.equal(refused.headers[name], value, name);
});
