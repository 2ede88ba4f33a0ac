import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { request as httpRequest } from 'node:http';
import { assertIdleClosed, assertSlowHeadCut, countingApp, rawConnection, TEST_LIMITS, untilClosed } from '../helpers/limit-fixtures.js';
import { makeTable, startTestProxy, startUpstream, type TestProxy, type Upstream } from '../helpers/proxy-fixtures.js';

let app: Upstream;
let proxy: TestProxy;
let port: number;
/** Bytes of request bodies the upstream received, per URL. */
const received = new Map<string, number>();

const LIMITS = TEST_LIMITS;

before(async () => {
  app = await startUpstream('app', countingApp(received));
  proxy = await startTestProxy();
  const table = { ...makeTable(1, { web: { targets: [{ id: 'a1', release: 'r1', port: app.port }] } }), limits: LIMITS };
  port = (await proxy.client.putTable(table)).httpPort;
});

after(async () => {
  await proxy?.stop();
  await app?.close();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function post(path: string, chunks: Buffer[], headers: Record<string, string | number> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, headers: { host: 'app.test', ...headers }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    const write = (i: number): void => {
      if (i >= chunks.length) {
        req.end();
        return;
      }
      // The proxy may answer and close before the whole body is written: stop writing then.
      if (req.destroyed) return;
      req.write(chunks[i], () => setImmediate(() => write(i + 1)));
    };
    write(0);
  });
}

test('a body declared over the limit by Content-Length gets 413 and reaches no upstream', async () => {
  const seen = app.seen.length;
  const res = await post('/big-declared', [Buffer.alloc(1000)], { 'content-length': 200_000 }).catch((err: Error) => err);
  assert.ok(!(res instanceof Error), String(res));
  assert.equal(res.status, 413);
  assert.equal(res.headers['connection'], 'close');
  assert.equal(app.seen.length, seen);
});

test('a chunked body over the limit gets 413: a small one before forwarding, a large one cut off while streaming', async () => {
  const seen = app.seen.length;
  // bodyBytes is 100,000: read ahead (64 KiB) is under it, so this one streams and is counted.
  const chunks = Array.from({ length: 40 }, () => Buffer.alloc(8192, 97)); // 320 KiB
  const res = await post('/big-streamed', chunks);
  assert.equal(res.status, 413);
  await waitFor(() => received.has('/big-streamed'));
  const got = received.get('/big-streamed') ?? 0;
  assert.ok(got <= LIMITS.bodyBytes, `the upstream received ${got} bytes, over the limit`);
  assert.ok(app.seen.length - seen <= 1);
});

test('a small chunked body over a small limit gets 413 before anything is forwarded', async () => {
  const table = { ...makeTable(2, { web: { targets: [{ id: 'a1', release: 'r1', port: app.port }] } }), limits: { ...LIMITS, bodyBytes: 1000 } };
  await proxy.client.putTable(table);
  try {
    const seen = app.seen.length;
    const res = await post('/small-over', [Buffer.alloc(800), Buffer.alloc(800)]);
    assert.equal(res.status, 413);
    assert.equal(app.seen.length, seen, 'read ahead whole, refused before the upstream was contacted');
    const fits = await post('/small-fits', [Buffer.alloc(500), Buffer.alloc(500)]);
    assert.equal(fits.body, 'got 1000');
  } finally {
    await proxy.client.putTable({ ...table, version: 3, limits: LIMITS });
  }
});

test('a chunked body within the limit is relayed whole', async () => {
  const chunks = Array.from({ length: 10 }, () => Buffer.alloc(9000, 98)); // 90,000 bytes, streamed past the read-ahead
  const res = await post('/fits', chunks);
  assert.equal(res.status, 200);
  assert.equal(res.body, 'got 90000');
});

test('a request head over the header limit gets 431 and reaches no upstream', async () => {
  const seen = app.seen.length;
  const socket = await rawConnection(port);
  const closed = untilClosed(socket, Date.now());
  socket.write(`GET / HTTP/1.1\r\nHost: app.test\r\nX-Big: ${'a'.repeat(8000)}\r\n\r\n`);
  const { data } = await closed;
  assert.match(data, /^HTTP\/1\.1 431 /);
  assert.equal(app.seen.length, seen);
});

test('slow headers: the connection is closed by the header timeout', async () => {
  const seen = app.seen.length;
  await assertSlowHeadCut(await rawConnection(port), 'app.test', LIMITS.headerTimeoutMs);
  assert.equal(app.seen.length, seen);
});

test('an idle keep-alive connection is closed after the idle timeout', async () => {
  await assertIdleClosed(await rawConnection(port), 'app.test', LIMITS.idleTimeoutMs);
});

test('an upstream slower than the table upstream timeout gets 504', async () => {
  const started = Date.now();
  const res = await new Promise<Answer>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/slow', headers: { host: 'app.test' }, agent: false }, (r) => {
      let body = '';
      r.on('data', (c: Buffer) => (body += c.toString()));
      r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(res.status, 504);
  const ms = Date.now() - started;
  assert.ok(ms >= LIMITS.upstreamTimeoutMs - 50 && ms < 2900, `504 after ${ms} ms (table timeout ${LIMITS.upstreamTimeoutMs} ms, app 3000 ms)`);
});

test('connections beyond maxConnections are closed at once; those within are served', async () => {
  const held: Socket[] = [];
  try {
    for (let i = 0; i < LIMITS.maxConnections; i++) held.push(await rawConnection(port));
    // node counts connections when it accepts them: wait until the last one is accepted.
    await new Promise((r) => setTimeout(r, 100));
    const extra = await rawConnection(port);
    const closed = untilClosed(extra, Date.now());
    extra.write('GET / HTTP/1.1\r\nHost: app.test\r\n\r\n');
    const { data, ms } = await closed;
    assert.equal(data, '', 'a connection over the limit was served');
    assert.ok(ms < LIMITS.headerTimeoutMs, `closed after ${ms} ms: by a timeout, not at accept`);
    const first = held[0];
    assert.ok(first);
    const answer = untilClosed(first, 0);
    first.write('GET /within HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n');
    assert.match((await answer).data, /^HTTP\/1\.1 200 /);
  } finally {
    for (const s of held) s.destroy();
  }
});

async function waitFor(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
