import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { httpAnswer, type HttpAnswer } from '../helpers/http-answer.js';
import { makeTable, startTestProxy, startUpstream, type TestProxy, type Upstream } from '../helpers/proxy-fixtures.js';

let app: Upstream;
let proxy: TestProxy;
let port: number;
const agent = new Agent();
let releaseStream: (() => void) | undefined;
let upstreamConnections = 0;

before(async () => {
  app = await startUpstream('app', (req, res) => {
    if (req.url === '/hop') {
      res.writeHead(200, { connection: 'keep-alive, x-up-private', 'x-up-private': '1', 'keep-alive': 'timeout=5', 'x-end': 'ok', 'proxy-authenticate': 'Basic' });
      res.end('hop');
    } else if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first;');
      releaseStream = () => res.end('last');
    } else if (req.url === '/upload') {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => res.end(String(n)));
    } else {
      const body = JSON.stringify({ url: req.url, headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    }
  });
  app.server.on('connection', () => upstreamConnections++);
  proxy = await startTestProxy();
  const ack = await proxy.client.putTable(
    makeTable(1, { web: { targets: [{ id: 'a1', release: 'r1', port: app.port }] } }, {
      routes: [{ host: 'app.test', path: '/', service: 'web' }],
    }),
  );
  port = ack.httpPort;
});

after(async () => {
  await agent.close();
  await proxy?.stop();
  await app?.close();
});

/** A raw node:http request, so Connection and friends go out exactly as written. */
function rawGet(path: string, headers: Record<string, string>): Promise<HttpAnswer> {
  return httpAnswer({ host: '127.0.0.1', port, path, headers, agent: false });
}

test('forwarded headers are set and hop-by-hop request headers removed', async () => {
  const res = await rawGet('/echo?q=1', {
    host: 'App.Test:8080',
    connection: 'keep-alive, X-Private',
    'x-private': 'secret',
    'keep-alive': 'timeout=1',
    te: 'trailers',
    'proxy-authorization': 'Basic Zm9vOmJhcg==',
    'x-forwarded-for': '203.0.113.7',
    'x-forwarded-proto': 'https',
    'x-request-id': 'req-42',
    'x-custom': 'kept',
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers['x-request-id'], 'req-42');
  const seen = JSON.parse(res.body) as { url: string; headers: Record<string, string> };
  assert.equal(seen.url, '/echo?q=1');
  assert.equal(seen.headers['host'], 'App.Test:8080');
  assert.equal(seen.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
  assert.equal(seen.headers['x-forwarded-proto'], 'http');
  assert.equal(seen.headers['x-forwarded-host'], 'App.Test:8080');
  assert.equal(seen.headers['x-request-id'], 'req-42');
  assert.equal(seen.headers['x-custom'], 'kept');
  for (const gone of ['x-private', 'keep-alive', 'te', 'proxy-authorization']) {
    assert.equal(seen.headers[gone], undefined, `${gone} must not reach the app`);
  }
});

test('a missing or insane request id is replaced and returned', async () => {
  const res = await rawGet('/echo', { host: 'app.test', 'x-request-id': 'has spaces <script>' });
  const seen = JSON.parse(res.body) as { headers: Record<string, string> };
  assert.match(String(res.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  assert.equal(seen.headers['x-request-id'], res.headers['x-request-id']);
});

test('hop-by-hop response headers are removed', async () => {
  const res = await rawGet('/hop', { host: 'app.test' });
  assert.equal(res.body, 'hop');
  assert.equal(res.headers['x-end'], 'ok');
  assert.equal(res.headers['x-up-private'], undefined);
  assert.equal(res.headers['proxy-authenticate'], undefined);
  assert.notEqual(res.headers['keep-alive'], 'timeout=5');
});

test('response bodies stream: the first chunk arrives before the upstream ends', async () => {
  const res = await request(`http://127.0.0.1:${port}/stream`, { headers: { host: 'app.test' }, dispatcher: agent });
  const iterator = res.body[Symbol.asyncIterator]();
  const first = await iterator.next();
  assert.equal(Buffer.from(first.value as Buffer).toString(), 'first;');
  releaseStream?.();
  let rest = '';
  for (let r = await iterator.next(); !r.done; r = await iterator.next()) rest += Buffer.from(r.value as Buffer).toString();
  assert.equal(rest, 'last');
});

test('request bodies stream through (8 MiB upload)', async () => {
  const size = 8 * 1024 * 1024;
  const res = await request(`http://127.0.0.1:${port}/upload`, {
    method: 'POST',
    headers: { host: 'app.test' },
    body: Readable.from(
      (function* () {
        for (let i = 0; i < size / 65536; i++) yield Buffer.alloc(65536, 1);
      })(),
    ),
    dispatcher: agent,
  });
  assert.equal(res.statusCode, 200);
  assert.equal(await res.body.text(), String(size));
});

test('keep-alive on both sides: one client connection and one upstream connection for 20 requests', async () => {
  const keepAlive = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  const before = upstreamConnections;
  let reused = 0;
  for (let i = 0; i < 20; i++) {
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/echo', headers: { host: 'app.test' }, agent: keepAlive }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
      if (req.reusedSocket) reused++;
    });
  }
  keepAlive.destroy();
  assert.equal(reused, 19);
  assert.ok(upstreamConnections - before <= 1, `upstream connections opened: ${upstreamConnections - before}`);
});

test('no route: 404 page with the request id (HTML, or JSON when asked)', async () => {
  const html = await rawGet('/', { host: 'unknown.test', 'x-request-id': 'nf-1' });
  assert.equal(html.status, 404);
  assert.match(String(html.headers['content-type']), /text\/html/);
  assert.match(html.body, /nf-1/);
  const json = await rawGet('/', { host: 'unknown.test', accept: 'application/json', 'x-request-id': 'nf-2' });
  assert.equal(json.status, 404);
  assert.deepEqual((JSON.parse(json.body) as { error: { requestId: string; status: number } }).error.requestId, 'nf-2');
});
