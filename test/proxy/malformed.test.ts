import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { makeTable, startTestProxy, startUpstream, type TestProxy, type Upstream } from '../helpers/proxy-fixtures.js';

let app: Upstream;
let proxy: TestProxy;
let port: number;

before(async () => {
  app = await startUpstream('app');
  proxy = await startTestProxy();
  const table = makeTable(1, { web: { targets: [{ id: 'a1', release: 'r1', port: app.port }] } }, { routes: [{ host: '*', path: '/', service: 'web' }] });
  port = (await proxy.client.putTable(table)).httpPort;
});

after(async () => {
  await proxy?.stop();
  await app?.close();
});

/** Sends raw bytes on a fresh connection; resolves with everything the proxy answered until it closed. */
function sendRaw(bytes: string, waitMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.from(bytes, 'latin1')));
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (out += chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? resolve(out) : reject(err)));
    socket.on('close', () => resolve(out));
    setTimeout(() => socket.destroy(), waitMs).unref();
  });
}

const statusOf = (answer: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);

const H = 'Host: app.test\r\n';
const CASES: Record<string, string> = {
  'Content-Length and Transfer-Encoding': `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
  'Transfer-Encoding and Content-Length': `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`,
  'two Content-Length values': `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`,
  'Content-Length list': `POST / HTTP/1.1\r\n${H}Content-Length: 5, 6\r\n\r\nhello!`,
  'signed Content-Length': `POST / HTTP/1.1\r\n${H}Content-Length: +5\r\n\r\nhello`,
  'obs-fold (space)': `GET / HTTP/1.1\r\n${H}X-A: one\r\n two\r\n\r\n`,
  'obs-fold (tab)': `GET / HTTP/1.1\r\n${H}X-A: one\r\n\ttwo\r\n\r\n`,
  'NUL in a field value': `GET / HTTP/1.1\r\n${H}X-A: a\x00b\r\n\r\n`,
  'control byte in a field value': `GET / HTTP/1.1\r\n${H}X-A: a\x01b\r\n\r\n`,
  'DEL in a field value': `GET / HTTP/1.1\r\n${H}X-A: a\x7fb\r\n\r\n`,
  'bare CR in a field value': `GET / HTTP/1.1\r\n${H}X-A: a\rb\r\n\r\n`,
  'space before the colon': `POST / HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n`,
  'invalid field name': `GET / HTTP/1.1\r\n${H}X(A): b\r\n\r\n`,
  'chunk size not hex': `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`,
  'chunk longer than its size': `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX\r\n0\r\n\r\n`,
  'chunk size overflow': `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n`,
  'chunk lines ended by bare LF': `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\nhello\n0\n\n`,
  'control byte in a trailer': `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\nX: a\x01\r\n\r\n`,
  'Transfer-Encoding not ending in chunked': `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n`,
  'Transfer-Encoding identity': `POST / HTTP/1.1\r\n${H}Transfer-Encoding: identity\r\n\r\nhello`,
  'unknown Transfer-Encoding': `POST / HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n`,
  'Transfer-Encoding twice': `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
  'Transfer-Encoding in HTTP/1.0': `POST / HTTP/1.0\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
  'two Host fields': `GET / HTTP/1.1\r\nHost: app.test\r\nHost: other.test\r\n\r\n`,
  'no Host field': `GET / HTTP/1.1\r\n\r\n`,
  'Host with a space': `GET / HTTP/1.1\r\nHost: app test\r\n\r\n`,
  'Host with userinfo': `GET / HTTP/1.1\r\nHost: user@app.test\r\n\r\n`,
  'absolute-form target': `GET http://other.test/ HTTP/1.1\r\n${H}\r\n`,
  'HTTP/0.9 request line': `GET /\r\n\r\n`,
  'unknown HTTP version': `GET / HTTP/1.2\r\n${H}\r\n`,
  'space in the target': `GET /a b HTTP/1.1\r\n${H}\r\n`,
  'invalid method': `G(T / HTTP/1.1\r\n${H}\r\n`,
  'lines ended by bare LF': `GET / HTTP/1.1\n${H.replace('\r', '')}\n`,
};

for (const [name, bytes] of Object.entries(CASES)) {
  test(`malformed: ${name} → 400, never forwarded`, async () => {
    const before = app.seen.length;
    const answer = await sendRaw(bytes);
    assert.equal(statusOf(answer), 400, `answer was: ${JSON.stringify(answer.slice(0, 80))}`);
    assert.equal(app.seen.length - before, 0, 'the upstream saw the request');
  });
}

test('a well-formed chunked request with a chunk extension and mixed-case "Chunked" is forwarded whole', async () => {
  const before = app.seen.length;
  const answer = await sendRaw(`POST /ok HTTP/1.1\r\n${H}Transfer-Encoding: Chunked\r\nConnection: close\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\n\r\n`);
  assert.equal(statusOf(answer), 200, answer);
  assert.match(answer, /"body":"hello world"/);
  assert.equal(app.seen.length - before, 1);
});

test('the proxy status counts the refusals by status', async () => {
  const status = await proxy.client.status();
  assert.ok((status.refused?.['400'] ?? 0) >= Object.keys(CASES).length - 1, JSON.stringify(status.refused));
});
