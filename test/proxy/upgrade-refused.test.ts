import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { CertStore } from '../../src/certs/cert-store.js';
import { LocalCa } from '../../src/certs/local-ca.js';
import type { RoutingTableInput } from '../../src/proxy/protocol.js';
import { hashPassword } from '../../src/secrets/password-hash.js';
import { makeTable, startTestProxy, startUpstream, type TestProxy, type Upstream } from '../helpers/proxy-fixtures.js';

// An app without websocket support answers 200 to an upgrade request and keeps the
// connection. The proxy must not turn that connection into a tunnel: every later request on
// it would reach the app with no basic auth, rate limit or access-log line.

let dir: string;
let caPem: string;
let app: Upstream;
let proxy: TestProxy;
let httpPort = 0;
let httpsPort = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-upgrade-'));
  const ca = new LocalCa(join(dir, 'certs'));
  const store = new CertStore(join(dir, 'certs'));
  caPem = await ca.rootPem();
  const pair = await ca.issue(['app.test']);
  const stored = await store.install('app', { ...pair, hosts: ['app.test'], source: 'internal' });
  app = await startUpstream('app', (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 12 });
    res.end(req.url?.startsWith('/admin') ? 'TOP-SECRET!\n' : 'hello world\n');
  });
  proxy = await startTestProxy();
  const table: RoutingTableInput = {
    ...makeTable(1, { web: { targets: [{ id: 'a', release: 'r1', port: app.port }] } }, {
      routes: [
        { host: 'app.test', path: '/', service: 'web' },
        { host: 'app.test', path: '/admin', service: 'web', basicAuth: { realm: 'admin', users: { ops: hashPassword('pw') } } },
        { host: 'app.test', path: '/slow', service: 'web', rateLimit: 'slow' },
      ],
    }),
    rateLimits: { slow: { perSecond: 0.01, burst: 1 } },
    tls: [{ hosts: ['app.test'], certFile: stored.certFile, keyFile: stored.keyFile, redirectHttp: false }],
  };
  table.services['web'] = { ...table.services['web']!, headers: { preset: 'strict' } };
  const ack = await proxy.client.putTable({ ...table, listen: { host: '127.0.0.1', http: 0, https: 0 } });
  httpPort = ack.httpPort;
  httpsPort = ack.httpsPort ?? 0;
});

after(async () => {
  await proxy?.stop();
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

const UPGRADE =
  'GET /chat HTTP/1.1\r\nHost: app.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
const followUps = (): string =>
  [...Array.from({ length: 5 }, () => 'GET /admin/secret.txt HTTP/1.1\r\nHost: app.test\r\n\r\n'), ...Array.from({ length: 5 }, () => 'GET /slow HTTP/1.1\r\nHost: app.test\r\n\r\n')].join('');

function open(scheme: 'http' | 'https'): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const socket =
      scheme === 'http'
        ? netConnect({ host: '127.0.0.1', port: httpPort }, () => resolve(socket))
        : tlsConnect({ host: '127.0.0.1', port: httpsPort, servername: 'app.test', ca: caPem, ALPNProtocols: ['http/1.1'] }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * Sends the upgrade request, then more requests on the same connection (pipelined right
 * behind it, or after the answer arrived); resolves with all bytes received until the proxy
 * closed the connection (or 3 s passed).
 */
function exchange(scheme: 'http' | 'https', when: 'pipelined' | 'after-answer'): Promise<{ text: string; closed: boolean }> {
  return open(scheme).then(
    (socket) =>
      new Promise((resolve) => {
        let text = '';
        let sentMore = false;
        socket.on('error', () => undefined);
        const timer = setTimeout(() => {
          socket.destroy();
          resolve({ text, closed: false });
        }, 3000);
        socket.on('data', (c: Buffer) => {
          text += c.toString('latin1');
          if (when === 'after-answer' && !sentMore && text.includes('\r\n\r\n')) {
            sentMore = true;
            socket.write(followUps());
          }
        });
        socket.on('close', () => {
          clearTimeout(timer);
          resolve({ text, closed: true });
        });
        socket.write(when === 'pipelined' ? UPGRADE + followUps() : UPGRADE);
      }),
  );
}

for (const scheme of ['http', 'https'] as const) {
  for (const when of ['pipelined', 'after-answer'] as const) {
    test(`${scheme}: an app answering 200 to an upgrade gets no tunnel; requests sent ${when} never reach it unchecked`, async () => {
      const before = app.seen.length;
      const { text, closed } = await exchange(scheme, when);
      const seen = app.seen.slice(before).map((r) => r.url);
      assert.deepEqual(seen, ['/chat'], `the app saw only the upgrade request, got ${JSON.stringify(seen)}`);
      assert.ok(closed, 'the proxy closed the connection after relaying the answer');
      assert.ok(!text.includes('TOP-SECRET'), 'no protected content reached the client');
      const statuses = [...text.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => m[1]);
      assert.deepEqual(statuses, ['200'], text);
      assert.match(text, /\r\nconnection: close\r\n/i);
      assert.match(text, /\r\nx-content-type-options: nosniff\r\n/i, 'security headers are added to the relayed answer');
      assert.match(text, /hello world\n$/);
    });
  }
}

test('an upgrade to a protected path is still checked first: 401 without credentials, the app not reached', async () => {
  const before = app.seen.length;
  const socket = await open('http');
  const text = await new Promise<string>((resolve) => {
    let out = '';
    socket.on('data', (c: Buffer) => (out += c.toString('latin1')));
    socket.on('close', () => resolve(out));
    socket.write(UPGRADE.replace('/chat', '/admin/ws'));
  });
  assert.match(text, /^HTTP\/1\.1 401 /);
  assert.equal(app.seen.length, before);
});
