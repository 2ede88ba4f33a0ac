// ≥1,000 generated raw requests at the proxy's HTTP/1 port, in front of an app that records
// what reaches it. /admin needs basic auth (no generated request has the password) and
// /limited has a rate-limit zone that admits one request: every request gets an HTTP answer
// or a closed connection within seconds, the proxy stays up, and the app never sees a
// request the policy refused, read the way apps read paths (percent-decoded, dot segments
// resolved, `\` and `;params` as some servers treat them).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { posix } from 'node:path';
import fc from 'fast-check';
import { hashPassword } from '../../src/secrets/password-hash.js';
import { makeTable, startTestProxy, startUpstream, type TestProxy, type Upstream } from '../helpers/proxy-fixtures.js';

let app: Upstream;
let proxy: TestProxy;
let port = 0;
const reached: Array<{ method: string; url: string }> = [];

before(async () => {
  app = await startUpstream('app', (req, res) => {
    reached.push({ method: req.method ?? '', url: req.url ?? '' });
    req.resume();
    req.on('end', () => res.end('ok'));
    req.on('error', () => undefined);
  });
  proxy = await startTestProxy();
  const table = makeTable(1, { web: { targets: [{ id: 'a', release: 'r1', port: app.port }] } }, {
    routes: [
      { host: '*', path: '/', service: 'web' },
      { host: '*', path: '/admin', service: 'web', basicAuth: { realm: 'admin', users: { ops: hashPassword('not generated') } } },
      { host: '*', path: '/limited', service: 'web', rateLimit: 'one' },
    ],
  });
  port = (await proxy.client.putTable({ ...table, rateLimits: { one: { perSecond: 0.0001, burst: 1 } } })).httpPort;
});

after(async () => {
  await proxy?.stop();
  await app?.close();
});

const SEGMENTS = ['admin', 'limited', 'x', '.', '..', '', '%2e', '%2E%2e', '.%2e', '%61dmin', 'adm%69n', 'ADMIN', 'admin;x', '..;', '%2f', '%2F', '%5c', '\\', '%00', '%', '%zz', 'a%20b', '~', '%7e', 'secret.txt', '%252e%252e', 'limited%2f', 'limite%64'];
const pathArb = fc.oneof(
  fc.array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 5 }).map((s) => `/${s.join('/')}`),
  fc.array(fc.constantFrom(...SEGMENTS, '/', '//', '?', '?a=/admin', '#'), { maxLength: 6 }).map((s) => `/${s.join('')}`),
  fc.constantFrom('*', 'http://app.test/admin', 'admin', '//admin', '/admin', '/limited'),
  fc.string({ maxLength: 10 }).map((s) => `/${s}`),
);
const methodArb = fc.constantFrom('GET', 'GET', 'POST', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'PUT', 'DELETE', 'G E T', 'get', 'PRI', 'XYZ');
const versionArb = fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.2', 'HTTP/3', '');
const headerArb = fc.oneof(
  fc.constantFrom(
    'Host: app.test', 'Host: other.test', 'Host:', 'Host: a b', 'Transfer-Encoding: chunked', 'Transfer-Encoding: gzip, chunked', 'Content-Length: 3',
    'Content-Length: -1', 'Content-Length: 1, 2', 'Connection: close', 'Connection: close, host', 'Connection: upgrade', 'Upgrade: websocket',
    'Upgrade: h2c', 'Authorization: Basic b3BzOndyb25n', 'Authorization: Basic !!!', 'X-Forwarded-For: 10.0.0.1', 'Expect: 100-continue', ' folded: x', 'Bad Header: x', 'x:\u0001',
  ),
  fc.tuple(fc.stringMatching(/^[A-Za-z-]{1,8}$/), fc.string({ maxLength: 8 })).map(([n, v]) => `${n}: ${v}`),
);
const requestArb = fc
  .record({
    method: methodArb,
    path: pathArb,
    version: versionArb,
    host: fc.boolean(),
    headers: fc.array(headerArb, { maxLength: 5 }),
    body: fc.constantFrom('', 'abc', '3\r\nabc\r\n0\r\n\r\n', 'zz\r\n', 'GET /admin HTTP/1.1\r\nHost: app.test\r\n\r\n'),
    manyHeaders: fc.boolean().chain((many) => (many ? fc.integer({ min: 1990, max: 2010 }) : fc.constant(0))),
  })
  .map((r) => {
    const lines = [`${r.method} ${r.path} ${r.version}`.trimEnd(), ...(r.host ? ['Host: app.test'] : []), ...r.headers];
    for (let i = 0; i < r.manyHeaders; i++) lines.push(`x-${i}: 1`);
    return `${lines.join('\r\n')}\r\n\r\n${r.body}`;
  });

interface Outcome {
  readonly text: string;
  /** The proxy answered, or closed the connection, before the deadline. */
  readonly settled: boolean;
}

/**
 * Sends bytes on a new connection and waits for an answer: settled once data stopped coming
 * for 50 ms, or the proxy closed. A request still incomplete after 0.8 s (a body shorter than
 * its length) is half-closed, so the proxy sees the client go; past the deadline: a hang.
 */
function send(bytes: string, deadlineMs = 5000): Promise<Outcome> {
  return new Promise((resolve) => {
    let text = '';
    let done = false;
    let quiet: NodeJS.Timeout | undefined;
    const finish = (settled: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(quiet);
      clearTimeout(nudge);
      clearTimeout(deadline);
      socket.destroy();
      resolve({ text, settled });
    };
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(bytes, 'latin1'));
    const nudge = setTimeout(() => text.length === 0 && socket.end(), 800);
    const deadline = setTimeout(() => finish(false), deadlineMs);
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      clearTimeout(quiet);
      quiet = setTimeout(() => finish(true), 50);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
  });
}

function decodeSafe(s: string): string {
  return s.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** The paths an app might read `url` as: decoded and normalised, with `\` as `/`, with `;params` dropped. */
function appReadings(url: string): string[] {
  const raw = url.split('?')[0] ?? '';
  const decoded = decodeSafe(raw);
  const variants = [decoded, decoded.replace(/\\/g, '/'), decoded.replace(/;[^/]*/g, ''), decodeSafe(decoded)];
  return variants.map((v) => posix.normalize(`/${v}`));
}

const under = (path: string, prefix: string): boolean => path === prefix || path.startsWith(`${prefix}/`);

test('1,000+ generated raw requests: an answer or a close, never a hang; nothing refused reaches the app', { timeout: 120_000 }, async () => {
  let runs = 0;
  let answered = 0;
  await fc.assert(
    fc.asyncProperty(requestArb, async (bytes) => {
      const outcome = await send(bytes);
      runs++;
      assert.ok(outcome.settled, `no answer and no close within 5 s for ${JSON.stringify(bytes.slice(0, 200))}`);
      if (outcome.text.length > 0) {
        assert.match(outcome.text, /^HTTP\/1\.[01] [1-5]\d\d /, `not an HTTP answer: ${JSON.stringify(outcome.text.slice(0, 100))}`);
        answered++;
      }
    }),
    { numRuns: 1100, seed: 0x16_16 },
  );
  assert.ok(runs >= 1000, `${runs} runs`);
  assert.ok(answered > runs / 2, `${answered} of ${runs} got an HTTP answer`);
  // The proxy is still up and serving.
  assert.ok((await proxy.client.status()).pid > 0);
  const after = await send('GET /ok HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n');
  assert.match(after.text, /^HTTP\/1\.1 200 /);
  // Nothing the policy refused reached the app.
  const admin = reached.filter((r) => appReadings(r.url).some((p) => under(p, '/admin')));
  assert.deepEqual(admin, [], 'requests under /admin reached the app without credentials');
  const limited = reached.filter((r) => appReadings(r.url).some((p) => under(p, '/limited')));
  assert.ok(limited.length <= 1, `${limited.length} requests under /limited passed a zone that admits one: ${JSON.stringify(limited.slice(0, 5))}`);
  assert.deepEqual(reached.filter((r) => r.method === 'TRACE' || r.method === 'CONNECT'), []);
});
