import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect as tlsConnect } from 'node:tls';
import { CertStore } from '../../src/certs/cert-store.js';
import { LocalCa } from '../../src/certs/local-ca.js';
import type { RoutingTableInput } from '../../src/proxy/protocol.js';
import { hashPassword } from '../../src/secrets/password-hash.js';
import { makeTable, startTestProxy, type TestProxy } from '../helpers/proxy-fixtures.js';
import { startPythonFileServer, type PythonFileServer } from '../helpers/python-file-server.js';

// python's http.server (HTTP/1.1, keep-alive) knows nothing of websockets: it answers 200 to an
// upgrade request and keeps the connection. Behind the proxy: basic auth on /admin, a
// 1-request zone on /slow, and a host whose plain HTTP is redirected to HTTPS. No request
// sent on the connection behind the upgrade may reach python, and the upgrade request itself
// goes through the whole admission path (auth, rate limit, HTTPS redirect).

let dir: string;
let caPem: string;
let files: PythonFileServer;
let proxy: TestProxy;
let httpPort = 0;
let httpsPort = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-upgrade-py-'));
  const www = join(dir, 'www');
  await mkdir(join(www, 'admin'), { recursive: true });
  await mkdir(join(www, 'slow'), { recursive: true });
  await writeFile(join(www, 'admin', 'secret.txt'), 'TOP-SECRET\n');
  await writeFile(join(www, 'slow', 'index.html'), 'slow\n');
  await writeFile(join(www, 'public.txt'), 'public\n');
  files = await startPythonFileServer(www, { protocol: 'HTTP/1.1' });
  const ca = new LocalCa(join(dir, 'certs'));
  caPem = await ca.rootPem();
  const store = new CertStore(join(dir, 'certs'));
  const app = await store.install('app', { ...(await ca.issue(['app.test'])), hosts: ['app.test'], source: 'internal' });
  const secure = await store.install('secure', { ...(await ca.issue(['secure.test'])), hosts: ['secure.test'], source: 'internal' });
  proxy = await startTestProxy();
  const auth = { realm: 'admin', users: { ops: hashPassword('pw') } };
  const table: RoutingTableInput = {
    ...makeTable(1, { web: { targets: [{ id: 'py', release: 'r1', port: files.port }] } }, {
      routes: [
        { host: 'app.test', path: '/', service: 'web' },
        { host: 'app.test', path: '/admin', service: 'web', basicAuth: auth },
        { host: 'app.test', path: '/slow', service: 'web', rateLimit: 'slow' },
        { host: 'secure.test', path: '/', service: 'web' },
      ],
    }),
    rateLimits: { slow: { perSecond: 0.01, burst: 1 } },
    listen: { host: '127.0.0.1', http: 0, https: 0 },
    tls: [
      { hosts: ['app.test'], certFile: app.certFile, keyFile: app.keyFile, redirectHttp: false },
      { hosts: ['secure.test'], certFile: secure.certFile, keyFile: secure.keyFile, redirectHttp: true },
    ],
  };
  const ack = await proxy.client.putTable(table);
  httpPort = ack.httpPort;
  httpsPort = ack.httpsPort ?? 0;
});

after(async () => {
  await proxy?.stop();
  await files?.stop();
  await rm(dir, { recursive: true, force: true });
});

const upgrade = (path: string, host = 'app.test'): string =>
  `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
const plain = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: app.test\r\n\r\n`;

function open(scheme: 'http' | 'https', servername = 'app.test'): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const socket =
      scheme === 'http'
        ? netConnect({ host: '127.0.0.1', port: httpPort }, () => resolve(socket))
        : tlsConnect({ host: '127.0.0.1', port: httpsPort, servername, ca: caPem, ALPNProtocols: ['http/1.1'] }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Writes `first`, then `more` once an answer head arrived; all bytes until the proxy closes (or 3 s). */
async function exchange(scheme: 'http' | 'https', first: string, more = '', servername?: string): Promise<{ text: string; closed: boolean }> {
  const socket = await open(scheme, servername);
  return new Promise((resolve) => {
    let text = '';
    let sent = more === '';
    socket.on('error', () => undefined);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, 3000);
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      if (!sent && text.includes('\r\n\r\n')) {
        sent = true;
        socket.write(more);
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    socket.write(first);
  });
}

/** Asks python directly for a marker path and waits until its log shows it: every earlier request is logged by then. */
async function pythonSaw(marker: string): Promise<string[]> {
  await fetch(`http://127.0.0.1:${files.port}${marker}`).then((r) => r.arrayBuffer());
  for (let i = 0; i < 200 && !files.requests().some((r) => r.endsWith(marker)); i++) await sleep(25);
  return files.requests();
}

const statuses = (text: string): string[] => [...text.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => m[1] ?? '');

for (const scheme of ['http', 'https'] as const) {
  test(`${scheme}: python answers 200 to an upgrade; the connection ends there and nothing sent behind it reaches python`, async () => {
    const before = (await pythonSaw(`/marker-${scheme}-a`)).length;
    const followUps = [...Array.from({ length: 5 }, () => plain('/admin/secret.txt')), ...Array.from({ length: 5 }, () => plain('/slow/'))].join('');
    for (const pipelined of [true, false]) {
      const { text, closed } = pipelined ? await exchange(scheme, upgrade('/public.txt') + followUps) : await exchange(scheme, upgrade('/public.txt'), followUps);
      assert.deepEqual(statuses(text), ['200'], text);
      assert.ok(closed, 'the proxy closed the connection after relaying the answer');
      assert.match(text, /public\n$/);
      assert.ok(!text.includes('TOP-SECRET'), 'no protected content reached the client');
    }
    const seen = (await pythonSaw(`/marker-${scheme}-b`)).slice(before);
    assert.deepEqual(seen, ['GET /public.txt', 'GET /public.txt', `GET /marker-${scheme}-b`], 'python saw the two upgrade requests and the marker only');
  });
}

test('the upgrade request itself passes admission: 401 without credentials, 429 past the zone, python not reached', async () => {
  const before = (await pythonSaw('/marker-admission-a')).length;
  const anonymous = await exchange('http', upgrade('/admin/secret.txt'));
  assert.deepEqual(statuses(anonymous.text), ['401'], anonymous.text);
  const first = await exchange('http', upgrade('/slow/'));
  const second = await exchange('http', upgrade('/slow/'));
  assert.deepEqual([...statuses(first.text), ...statuses(second.text)], ['200', '429'], first.text + second.text);
  const seen = (await pythonSaw('/marker-admission-b')).slice(before);
  assert.deepEqual(seen, ['GET /slow/', 'GET /marker-admission-b']);
});

test('a plain-HTTP upgrade to a host redirected to HTTPS gets the 308, never a tunnel to the app', async () => {
  const before = (await pythonSaw('/marker-redirect-a')).length;
  const { text, closed } = await exchange('http', upgrade('/public.txt', 'secure.test'));
  assert.deepEqual(statuses(text), ['308'], text);
  assert.match(text, new RegExp(`\\r\\nlocation: https://secure\\.test:${httpsPort}/public\\.txt\\r\\n`, 'i'));
  assert.ok(closed, 'the connection ends with the redirect');
  const overTls = await exchange('https', upgrade('/public.txt', 'secure.test'), '', 'secure.test');
  assert.deepEqual(statuses(overTls.text), ['200'], 'over HTTPS the same upgrade reaches python');
  const seen = (await pythonSaw('/marker-redirect-b')).slice(before);
  assert.deepEqual(seen, ['GET /public.txt', 'GET /marker-redirect-b'], 'only the HTTPS upgrade reached python');
});

test('every upgrade request gets its access-log line with the status the client got', async () => {
  const logFile = join(proxy.stateDir, 'proxy', 'access.log');
  const marker = `/log-${Date.now()}`;
  const answers = [
    await exchange('http', upgrade(`${marker}/public`)),
    await exchange('http', upgrade(`/admin${marker}`)),
    await exchange('http', upgrade(`${marker}`, 'secure.test')),
  ];
  assert.deepEqual(answers.map((a) => statuses(a.text)[0]), ['404', '401', '308']);
  const { readFile } = await import('node:fs/promises');
  const lines = await (async () => {
    for (let i = 0; i < 100; i++) {
      const found = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').filter((l) => l.includes(marker));
      if (found.length >= 3) return found;
      await sleep(50);
    }
    return (await readFile(logFile, 'utf8').catch(() => '')).split('\n').filter((l) => l.includes(marker));
  })();
  const logged = lines.map((l) => JSON.parse(l) as { path: string; status: number; method: string; requestId: string });
  assert.deepEqual(logged.map((l) => [l.path, l.status]).sort(), [[`${marker}`, 308], [`${marker}/public`, 404], [`/admin${marker}`, 401]].sort(), lines.join('\n'));
  for (const l of logged) assert.ok(l.requestId.length > 0 && l.method === 'GET', JSON.stringify(l));
});
