// Route allow/deny lists on the real client address, in front of python's http.server (a file
// server nobody here wrote) serving two services: "web" (app.test, with /internal limited to
// 127.0.0.1) and "monitor" (mon.test, allowed from 10.0.0.0/8 except 10.66.0.0/16). 127.0.0.3
// is a trusted proxy: its X-Forwarded-For is believed; nobody else's is. Asked over HTTP/1.1
// and over HTTP/2 (TLS, ALPN h2), from 127.0.0.1 and from 127.0.0.3 (the loopback /8).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect as h2connect } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertStore } from '../../src/certs/cert-store.js';
import { LocalCa } from '../../src/certs/local-ca.js';
import { AccessRule } from '../../src/lib/address-list.js';
import { makeTable, startTestProxy, type TestProxy } from '../helpers/proxy-fixtures.js';
import { startPythonFileServer, type PythonFileServer } from '../helpers/python-file-server.js';

let dir: string;
let caPem: string;
let web: PythonFileServer;
let monitor: PythonFileServer;
let proxy: TestProxy;
let httpPort = 0;
let httpsPort = 0;
const TRUSTED = '127.0.0.3';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-access-'));
  await mkdir(join(dir, 'web', 'internal'), { recursive: true });
  await mkdir(join(dir, 'monitor'), { recursive: true });
  await writeFile(join(dir, 'web', 'public.txt'), 'public\n');
  await writeFile(join(dir, 'web', 'internal', 'secret.txt'), 'WEB-INTERNAL\n');
  await writeFile(join(dir, 'monitor', 'status.txt'), 'MONITOR\n');
  web = await startPythonFileServer(join(dir, 'web'));
  monitor = await startPythonFileServer(join(dir, 'monitor'));
  const ca = new LocalCa(join(dir, 'certs'));
  caPem = await ca.rootPem();
  const pair = await ca.issue(['app.test', 'mon.test']);
  const stored = await new CertStore(join(dir, 'certs')).install('both', { ...pair, hosts: ['app.test', 'mon.test'], source: 'internal' });
  proxy = await startTestProxy();
  const table = makeTable(1, { web: { targets: [{ id: 'w', release: 'r1', port: web.port }] }, monitor: { targets: [{ id: 'm', release: 'r1', port: monitor.port }] } }, {
    routes: [
      { host: 'app.test', path: '/', service: 'web' },
      { host: 'app.test', path: '/internal', service: 'web', allow: ['127.0.0.1'] },
      { host: 'mon.test', path: '/', service: 'monitor', allow: ['10.0.0.0/8', '2001:db8::/32'], deny: ['10.66.0.0/16'] },
    ],
  });
  const ack = await proxy.client.putTable({
    ...table,
    listen: { host: '127.0.0.1', http: 0, https: 0 },
    trustedProxies: [TRUSTED],
    tls: [{ hosts: ['app.test', 'mon.test'], certFile: stored.certFile, keyFile: stored.keyFile, redirectHttp: false }],
  });
  httpPort = ack.httpPort;
  httpsPort = ack.httpsPort ?? 0;
});

after(async () => {
  await proxy?.stop();
  await web?.stop();
  await monitor?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Answer {
  readonly status: number;
  readonly body: string;
}
type Get = (from: string, host: string, path: string, forwardedFor?: string) => Promise<Answer>;

const get1: Get = (from, host, path, forwardedFor) =>
  new Promise((resolve, reject) => {
    const headers = { host, ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) };
    const req = httpRequest({ host: '127.0.0.1', port: httpPort, localAddress: from, path, agent: false, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });

const get2: Get = (from, host, path, forwardedFor) =>
  new Promise((resolve, reject) => {
    const session = h2connect(`https://127.0.0.1:${httpsPort}`, { ca: caPem, servername: host, localAddress: from } as Parameters<typeof h2connect>[1]);
    session.on('error', reject);
    const stream = session.request({ ':path': path, ':authority': host, ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) });
    let status = 0;
    let body = '';
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (c: Buffer) => (body += c.toString()));
    stream.on('end', () => {
      session.close();
      resolve({ status, body });
    });
    stream.on('error', reject);
    stream.end();
  });

// [from, host, path, X-Forwarded-For, status, body the app must send (200 only)]
type Row = readonly [from: string, host: string, path: string, xff: string | undefined, status: 200 | 403 | 404, body?: string];
const ROWS: readonly Row[] = [
  ['127.0.0.1', 'mon.test', '/status.txt', undefined, 403],
  ['127.0.0.1', 'mon.test', '/status.txt', '10.1.2.3', 403], // not a trusted proxy: its X-Forwarded-For is not believed
  [TRUSTED, 'mon.test', '/status.txt', undefined, 403], // the trusted proxy itself is not in 10.0.0.0/8
  [TRUSTED, 'mon.test', '/status.txt', '10.1.2.3', 200, 'MONITOR\n'],
  [TRUSTED, 'mon.test', '/status.txt', '192.0.2.1, 10.1.2.3', 200, 'MONITOR\n'], // rightmost untrusted hop is the client
  [TRUSTED, 'mon.test', '/status.txt', `10.1.2.3, ${TRUSTED}`, 200, 'MONITOR\n'], // trusted hops are skipped
  [TRUSTED, 'mon.test', '/status.txt', '10.1.2.3, 192.0.2.1', 403], // a spoofed left part changes nothing
  [TRUSTED, 'mon.test', '/status.txt', '10.66.0.5', 403], // deny wins over allow
  [TRUSTED, 'mon.test', '/status.txt', '2001:db8::7', 200, 'MONITOR\n'],
  [TRUSTED, 'mon.test', '/status.txt', '2001:db9::7', 403],
  [TRUSTED, 'mon.test', '/status.txt', 'garbage', 403], // unparsable: the peer (127.0.0.3) is the client
  ['127.0.0.1', 'app.test', '/public.txt', undefined, 200, 'public\n'],
  [TRUSTED, 'app.test', '/public.txt', '10.1.2.3', 200, 'public\n'],
  ['127.0.0.1', 'app.test', '/internal/secret.txt', undefined, 200, 'WEB-INTERNAL\n'],
  [TRUSTED, 'app.test', '/internal/secret.txt', '127.0.0.1', 200, 'WEB-INTERNAL\n'],
  [TRUSTED, 'app.test', '/internal/secret.txt', '10.1.2.3', 403],
  [TRUSTED, 'app.test', '/internal/secret.txt', undefined, 403],
  // Decided on the normalised path: every spelling of /internal is the limited route.
  [TRUSTED, 'app.test', '/%69nternal/secret.txt', '10.1.2.3', 403],
  [TRUSTED, 'app.test', '/x/../internal/secret.txt', '10.1.2.3', 403],
  [TRUSTED, 'app.test', '//internal//secret.txt', '10.1.2.3', 403],
  [TRUSTED, 'app.test', '/public.txt/../internal/secret.txt', '10.1.2.3', 403],
];

async function checkRows(protocol: string, get: Get): Promise<void> {
  const failures: string[] = [];
  for (const [from, host, path, xff, status, body] of ROWS) {
    const answer = await get(from, host, path, xff);
    const what = `${protocol} ${from} ${host}${path} xff=${xff ?? '-'}`;
    if (answer.status !== status) failures.push(`${what}: ${answer.status}, expected ${status}`);
    if (body !== undefined && answer.body !== body) failures.push(`${what}: body ${JSON.stringify(answer.body)}`);
    if (status === 403 && /MONITOR|WEB-INTERNAL/.test(answer.body)) failures.push(`${what}: the file leaked`);
  }
  assert.deepEqual(failures, [], failures.join('\n'));
}

/** Asks python directly for a marker path and waits until its log shows it: every earlier request is logged by then. */
async function logSettled(server: PythonFileServer, marker: string): Promise<number> {
  await fetch(`http://127.0.0.1:${server.port}${marker}`).then((r) => r.arrayBuffer());
  for (let i = 0; i < 200 && !server.requests().some((r) => r.endsWith(marker)); i++) await new Promise((r) => setTimeout(r, 25));
  return server.requests().length;
}

test('HTTP/1.1: allow and deny on the real client address, per route and service; refused requests never reach the app', async () => {
  const before = [await logSettled(web, '/m1'), await logSettled(monitor, '/m1')];
  await checkRows('HTTP/1.1', get1);
  const passed = (host: string): number => ROWS.filter((r) => r[1] === host && r[4] === 200).length;
  assert.equal(await logSettled(web, '/m2'), before[0]! + passed('app.test') + 1);
  assert.equal(await logSettled(monitor, '/m2'), before[1]! + passed('mon.test') + 1);
});

test('HTTP/2: the same rows over TLS with ALPN h2', async () => {
  await checkRows('HTTP/2', get2);
});

test('a refusal is a 403 page of the proxy, counted with the refusals', async () => {
  const res = await get1('127.0.0.1', 'mon.test', '/status.txt');
  assert.equal(res.status, 403);
  assert.match(res.body, /not allowed/);
  const status = await proxy.client.status();
  assert.ok((status.refused?.['403'] ?? 0) >= 1, JSON.stringify(status.refused));
});

test('AccessRule: deny first, then a non-empty allow list; IPv4-mapped addresses match their IPv4 block', () => {
  const rule = new AccessRule({ allow: ['10.0.0.0/8'], deny: ['10.66.0.0/16'] });
  assert.equal(rule.permits('10.1.2.3'), true);
  assert.equal(rule.permits('::ffff:10.1.2.3'), true);
  assert.equal(rule.permits('10.66.1.1'), false);
  assert.equal(rule.permits('11.0.0.1'), false);
  assert.equal(rule.permits('not an address'), false);
  const denyOnly = new AccessRule({ deny: ['192.0.2.0/24'] });
  assert.equal(denyOnly.permits('192.0.2.9'), false);
  assert.equal(denyOnly.permits('198.51.100.1'), true);
});
