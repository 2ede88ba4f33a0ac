import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { connect as h2connect, constants as h2, type ClientHttp2Session } from 'node:http2';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertIdleClosed, assertSlowHeadCut, countingApp, rawConnection, TEST_LIMITS, untilClosed } from '../helpers/limit-fixtures.js';
import { makeTable, startTestProxy, startUpstream, type TestProxy, type Upstream } from '../helpers/proxy-fixtures.js';
import { leafFor, testCa } from '../helpers/cert-fixtures.js';

// The limits of limits.test.ts, over TLS: HTTP/1.1 and HTTP/2 clients of the HTTPS port meet
// the same body, header, timeout and connection limits as plain HTTP clients, and a client
// that never finishes its TLS handshake is cut like one that never finishes its head.

let app: Upstream;
let proxy: TestProxy;
let dir: string;
let caPem: string;
let port = 0;
/** Bytes of request bodies the upstream received, per URL. */
const received = new Map<string, number>();

const LIMITS = TEST_LIMITS;
const HOST = 'app.localhost';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-https-limits-'));
  const ca = await testCa();
  caPem = ca.certPem;
  const leaf = await leafFor(ca, [HOST]);
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  await writeFile(certFile, leaf.fullchain);
  await writeFile(keyFile, leaf.privkey);
  app = await startUpstream('app', countingApp(received));
  proxy = await startTestProxy();
  const table = makeTable(1, { web: { targets: [{ id: 'a1', release: 'r1', port: app.port }] } });
  const ack = await proxy.client.putTable({
    ...table,
    listen: { ...table.listen, https: 0 },
    tls: [{ hosts: [HOST], certFile, keyFile, redirectHttp: false }],
    limits: LIMITS,
  });
  port = ack.httpsPort ?? 0;
  assert.ok(port > 0);
});

after(async () => {
  await proxy?.stop();
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function tlsConnection(alpn = 'http/1.1'): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: HOST, ca: caPem, ALPNProtocols: [alpn] }, () => resolve(socket));
    socket.on('error', reject);
  });
}

function h2session(): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    // Ready once the proxy's SETTINGS arrived (they carry its header list limit).
    const session = h2connect(`https://127.0.0.1:${port}`, { ca: caPem, servername: HOST });
    session.once('remoteSettings', () => resolve(session));
    session.on('error', reject);
  });
}

interface H2Answer {
  status: number;
  body: string;
  /** The stream's RST code when it was reset before a whole answer (0 otherwise). */
  rst: number;
  /** Whether the stream was closed (by the proxy's RST_STREAM) a moment after the answer ended. */
  closedAfter: boolean;
}

/**
 * One HTTP/2 request; a body is written in chunks until the answer's head arrives (a client
 * told the outcome stops sending, as browsers do).
 */
function h2request(session: ClientHttp2Session, headers: Record<string, string | number>, chunks: Buffer[] = []): Promise<H2Answer> {
  return new Promise((resolve) => {
    const stream = session.request({ ':authority': HOST, ...headers }, { endStream: chunks.length === 0 });
    let status = 0;
    let body = '';
    let answered = false;
    stream.on('response', (h) => {
      status = Number(h[':status']);
      answered = true;
    });
    stream.setEncoding('utf8');
    stream.on('data', (c: string) => (body += c));
    stream.on('error', () => undefined);
    // A stream the client still writes to is only 'close'd once its writes drain: 'end' is the answer.
    stream.on('end', () => setTimeout(() => resolve({ status, body, rst: 0, closedAfter: stream.closed }), 100));
    stream.on('close', () => resolve({ status, body, rst: stream.rstCode ?? 0, closedAfter: true }));
    const write = (i: number): void => {
      if (stream.destroyed || stream.closed || answered) return;
      if (i >= chunks.length) {
        stream.end();
        return;
      }
      stream.write(chunks[i], () => setImmediate(() => write(i + 1)));
    };
    write(0);
  });
}

async function waitFor(fn: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('HTTP/1.1 over TLS: a body declared over the limit gets 413 and reaches no upstream', async () => {
  const seen = app.seen.length;
  const socket = await tlsConnection();
  const closed = untilClosed(socket, Date.now());
  socket.write(`POST /tls-big HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 200000\r\n\r\n`);
  socket.write(Buffer.alloc(1000));
  const { data } = await closed;
  assert.match(data, /^HTTP\/1\.1 413 /);
  assert.equal(app.seen.length, seen);
});

test('HTTP/1.1 over TLS: a head over the header limit gets 431 and reaches no upstream', async () => {
  const seen = app.seen.length;
  const socket = await tlsConnection();
  const closed = untilClosed(socket, Date.now());
  socket.write(`GET / HTTP/1.1\r\nHost: ${HOST}\r\nX-Big: ${'a'.repeat(8000)}\r\n\r\n`);
  const { data } = await closed;
  assert.match(data, /^HTTP\/1\.1 431 /);
  assert.equal(app.seen.length, seen);
});

test('HTTP/1.1 over TLS, slow headers: the connection is closed by the header timeout', async () => {
  const seen = app.seen.length;
  await assertSlowHeadCut(await tlsConnection(), HOST, LIMITS.headerTimeoutMs);
  assert.equal(app.seen.length, seen);
});

test('a TLS handshake never finished (a client silent after connecting) is cut by the header timeout', async () => {
  const socket = await rawConnection(port);
  const { ms } = await untilClosed(socket, Date.now());
  assert.ok(ms >= LIMITS.headerTimeoutMs - 50, `closed after ${ms} ms, before the header timeout`);
  assert.ok(ms < LIMITS.headerTimeoutMs + 4000, `closed only after ${ms} ms`);
});

test('HTTP/1.1 over TLS: an idle keep-alive connection is closed after the idle timeout', async () => {
  await assertIdleClosed(await tlsConnection(), HOST, LIMITS.idleTimeoutMs);
});

test('HTTP/2: a body declared over the limit gets 413; one streamed over it is cut and never relayed whole', async () => {
  const session = await h2session();
  try {
    const seen = app.seen.length;
    const declared = await h2request(session, { ':method': 'POST', ':path': '/h2-declared', 'content-length': 200_000 }, [Buffer.alloc(1000)]);
    assert.equal(declared.status, 413);
    assert.equal(app.seen.length, seen);
    const streamed = await h2request(session, { ':method': 'POST', ':path': '/h2-streamed' }, Array.from({ length: 40 }, () => Buffer.alloc(8192, 97)));
    assert.equal(streamed.status, 413, JSON.stringify(streamed));
    // No Connection: close in HTTP/2: the proxy ends that one stream with RST_STREAM(NO_ERROR).
    assert.equal(streamed.closedAfter, true, 'the stream was left open after the 413');
    await waitFor(() => received.has('/h2-streamed') || app.seen.length === seen);
    assert.ok((received.get('/h2-streamed') ?? 0) <= LIMITS.bodyBytes, `the upstream received ${received.get('/h2-streamed')} bytes`);
    // The session itself is fine afterwards.
    const fits = await h2request(session, { ':method': 'POST', ':path': '/h2-fits' }, Array.from({ length: 10 }, () => Buffer.alloc(9000, 98)));
    assert.equal(fits.status, 200);
    assert.equal(fits.body, 'got 90000');
  } finally {
    session.destroy();
  }
});

test('HTTP/2: a header list over the header limit is refused and reaches no upstream', async () => {
  const session = await h2session();
  try {
    // The proxy announced its limit in SETTINGS; a client that sends more anyway is refused.
    assert.equal(session.remoteSettings.maxHeaderListSize, LIMITS.headerBytes);
    const seen = app.seen.length;
    const answer = await h2request(session, { ':method': 'GET', ':path': '/h2-big-head', 'x-big': 'a'.repeat(8000) });
    assert.ok(answer.status === 431 || answer.rst !== h2.NGHTTP2_NO_ERROR, JSON.stringify(answer));
    assert.notEqual(answer.status, 200);
    assert.equal(app.seen.length, seen);
  } finally {
    session.destroy();
  }
});

test('HTTP/2: an upstream slower than the upstream timeout gets 504', async () => {
  const session = await h2session();
  try {
    const started = Date.now();
    const answer = await h2request(session, { ':method': 'GET', ':path': '/slow' });
    assert.equal(answer.status, 504);
    const ms = Date.now() - started;
    assert.ok(ms >= LIMITS.upstreamTimeoutMs - 50 && ms < 2900, `504 after ${ms} ms`);
  } finally {
    session.destroy();
  }
});

test('HTTP/2: an idle session is closed after the idle timeout (GOAWAY, then the connection)', async () => {
  const session = await h2session();
  const goaway = new Promise<number>((resolve) => session.once('goaway', (code: number) => resolve(code)));
  const closed = new Promise<number>((resolve) => session.once('close', () => resolve(Date.now())));
  const answer = await h2request(session, { ':method': 'GET', ':path': '/h2-idle' });
  assert.equal(answer.status, 200);
  const answeredAt = Date.now();
  assert.equal(await goaway, h2.NGHTTP2_NO_ERROR);
  const idle = (await closed) - answeredAt;
  assert.ok(idle >= LIMITS.idleTimeoutMs - 100 && idle < LIMITS.idleTimeoutMs + 4000, `closed after ${idle} ms idle`);
});

test('TLS connections beyond maxConnections are closed at once; those within are served', async () => {
  const held: Socket[] = [];
  try {
    for (let i = 0; i < LIMITS.maxConnections; i++) {
      held.push(await rawConnection(port));
    }
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    const refused = await new Promise<string>((resolve) => {
      const s = tlsConnect({ host: '127.0.0.1', port, servername: HOST, ca: caPem }, () => resolve('handshake completed'));
      s.on('error', (err) => resolve(err.message));
      s.on('close', () => resolve('closed'));
    });
    assert.notEqual(refused, 'handshake completed');
    assert.ok(Date.now() - started < LIMITS.headerTimeoutMs, `closed after ${Date.now() - started} ms: by a timeout, not at accept`);
    held.pop()?.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const socket = await tlsConnection();
    const answer = untilClosed(socket, 0);
    socket.write(`GET /within HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`);
    assert.match((await answer).data, /^HTTP\/1\.1 200 /);
  } finally {
    for (const s of held) s.destroy();
  }
});
