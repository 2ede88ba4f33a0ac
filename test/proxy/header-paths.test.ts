// Header rules per path prefix, in front of python's http.server (which sends no
// Cache-Control of its own): service "web" (app.test) sets x-served-by everywhere, one-year
// immutable caching under /assets/, a short one under /assets/fonts/ (longest prefix wins,
// and it removes x-served-by), no-store under /api. Service "docs" (docs.test, same files, a
// second python) has no path rules. Asked over HTTP/1.1 and HTTP/2 (TLS, ALPN h2); rules match
// the normalised path, on a segment boundary, never the query.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect as h2connect } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertStore } from '../../src/certs/cert-store.js';
import { LocalCa } from '../../src/certs/local-ca.js';
import { compileHeaderPolicy, headerPolicyFor } from '../../src/proxy/response-policy/headers.js';
import { makeTable, startTestProxy, type TestProxy } from '../helpers/proxy-fixtures.js';
import { startPythonFileServer, type PythonFileServer } from '../helpers/python-file-server.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const HEADERS = {
  preset: 'off' as const,
  set: { 'x-served-by': 'slipway' },
  paths: {
    '/assets/': { set: { 'cache-control': IMMUTABLE } },
    '/assets/fonts/': { set: { 'cache-control': 'public, max-age=60' }, remove: ['x-served-by'] },
    '/api': { set: { 'cache-control': 'no-store' } },
  },
};

let dir: string;
let caPem: string;
let web: PythonFileServer;
let docs: PythonFileServer;
let proxy: TestProxy;
let httpPort = 0;
let httpsPort = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-header-paths-'));
  const www = join(dir, 'www');
  await mkdir(join(www, 'assets', 'fonts'), { recursive: true });
  await mkdir(join(www, 'api'), { recursive: true });
  await writeFile(join(www, 'assets', 'app.js'), 'console.log(1)\n');
  await writeFile(join(www, 'assets', 'fonts', 'a.woff'), 'font\n');
  await writeFile(join(www, 'api', 'data.json'), '{"ok":true}\n');
  await writeFile(join(www, 'apix.json'), '{}\n');
  await writeFile(join(www, 'index.html'), '<p>hi</p>\n');
  web = await startPythonFileServer(www);
  docs = await startPythonFileServer(www);
  const ca = new LocalCa(join(dir, 'certs'));
  caPem = await ca.rootPem();
  const pair = await ca.issue(['app.test', 'docs.test']);
  const stored = await new CertStore(join(dir, 'certs')).install('both', { ...pair, hosts: ['app.test', 'docs.test'], source: 'internal' });
  proxy = await startTestProxy();
  const table = makeTable(1, { web: { targets: [{ id: 'w', release: 'r1', port: web.port }] }, docs: { targets: [{ id: 'd', release: 'r1', port: docs.port }] } }, {
    routes: [
      { host: 'app.test', path: '/', service: 'web' },
      { host: 'docs.test', path: '/', service: 'docs' },
    ],
  });
  const ack = await proxy.client.putTable({
    ...table,
    services: { ...table.services, web: { ...table.services['web']!, headers: HEADERS } },
    listen: { host: '127.0.0.1', http: 0, https: 0 },
    tls: [{ hosts: ['app.test', 'docs.test'], certFile: stored.certFile, keyFile: stored.keyFile, redirectHttp: false }],
  });
  httpPort = ack.httpPort;
  httpsPort = ack.httpsPort ?? 0;
});

after(async () => {
  await proxy?.stop();
  await web?.stop();
  await docs?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Answer {
  readonly status: number;
  readonly cache: string | undefined;
  readonly servedBy: string | undefined;
}
type Get = (host: string, path: string) => Promise<Answer>;

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.join(', ') : v);

const get1: Get = (host, path) =>
  new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: httpPort, path, agent: false, headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, cache: one(res.headers['cache-control']), servedBy: one(res.headers['x-served-by']) }));
    });
    req.on('error', reject);
    req.end();
  });

const get2: Get = (host, path) =>
  new Promise((resolve, reject) => {
    const session = h2connect(`https://127.0.0.1:${httpsPort}`, { ca: caPem, servername: host });
    session.on('error', reject);
    const stream = session.request({ ':path': path, ':authority': host });
    let answer: Answer = { status: 0, cache: undefined, servedBy: undefined };
    stream.on('response', (h) => (answer = { status: Number(h[':status']), cache: one(h['cache-control']), servedBy: one(h['x-served-by']) }));
    stream.resume();
    stream.on('end', () => {
      session.close();
      resolve(answer);
    });
    stream.on('error', reject);
  });

// [host, path, cache-control expected, x-served-by expected]
type Row = readonly [host: string, path: string, cache: string | undefined, servedBy: string | undefined];
const ROWS: readonly Row[] = [
  ['app.test', '/assets/app.js', IMMUTABLE, 'slipway'],
  ['app.test', '/assets/fonts/a.woff', 'public, max-age=60', undefined], // longest prefix wins
  ['app.test', '/%61ssets/app.js', IMMUTABLE, 'slipway'], // the normalised path
  ['app.test', '/x/../assets/app.js', IMMUTABLE, 'slipway'],
  ['app.test', '//assets//fonts/a.woff', 'public, max-age=60', undefined],
  ['app.test', '/api/data.json', 'no-store', 'slipway'],
  ['app.test', '/api/data.json?next=/assets/', 'no-store', 'slipway'], // the query is not the path
  ['app.test', '/api', 'no-store', 'slipway'], // python's 301 to /api/ gets it too
  ['app.test', '/apix.json', undefined, 'slipway'], // segment boundary: /api does not cover /apix.json
  ['app.test', '/index.html', undefined, 'slipway'],
  ['app.test', '/assets/missing.js', IMMUTABLE, 'slipway'], // python's 404 page: rules apply to every status
  ['docs.test', '/assets/app.js', undefined, undefined], // the other service has no rules
  ['docs.test', '/api/data.json', undefined, undefined],
];

async function checkRows(protocol: string, get: Get): Promise<void> {
  const failures: string[] = [];
  for (const [host, path, cache, servedBy] of ROWS) {
    const a = await get(host, path);
    if (a.status === 0 || a.status >= 500) failures.push(`${protocol} ${host}${path}: status ${a.status}`);
    if (a.cache !== cache) failures.push(`${protocol} ${host}${path}: cache-control ${String(a.cache)}, expected ${String(cache)}`);
    if (a.servedBy !== servedBy) failures.push(`${protocol} ${host}${path}: x-served-by ${String(a.servedBy)}, expected ${String(servedBy)}`);
  }
  assert.deepEqual(failures, [], failures.join('\n'));
}

test('HTTP/1.1: per-path header rules, longest prefix on the normalised path, only on the service that has them', async () => {
  await checkRows('HTTP/1.1', get1);
});

test('HTTP/2: the same rows over TLS with ALPN h2', async () => {
  await checkRows('HTTP/2', get2);
});

test('headerPolicyFor: a path rule replaces and un-removes the service names it sets; no rule gives the service policy itself', () => {
  const policy = compileHeaderPolicy({ preset: 'off', set: { a: '1' }, remove: ['b'], paths: { '/x': { set: { b: '2' }, remove: ['a'] } } });
  assert.equal(headerPolicyFor(policy, '/y'), policy);
  const x = headerPolicyFor(policy, '/x/1?q');
  assert.deepEqual([x.set, x.remove], [[['b', '2']], ['a']]);
});
