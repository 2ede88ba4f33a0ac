import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect as h2connect, type ClientHttp2Session } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertStore } from '../../src/certs/cert-store.js';
import { LocalCa } from '../../src/certs/local-ca.js';
import { normaliseTarget } from '../../src/proxy/request-path.js';
import { hashPassword } from '../../src/secrets/password-hash.js';
import { makeTable, startTestProxy, type TestProxy } from '../helpers/proxy-fixtures.js';
import { startPythonFileServer, type PythonFileServer } from '../helpers/python-file-server.js';

// Basic auth guards /admin; python's http.server serves admin/secret.txt and public.txt
// behind the proxy. Each row: a request target, what a client without credentials gets, and
// the path the app must interpret it as (the answer with credentials equals python's own
// answer for that path, asked directly).

type Row = readonly [raw: string, withoutCredentials: 200 | 400 | 401 | 404, canonical?: string];
const SECRET = '/admin/secret.txt';
const ROWS: readonly Row[] = [
  ['/admin/secret.txt', 401],
  ['/%61dmin/secret.txt', 401, SECRET],
  ['/%61%64%6d%69%6e/secret.txt', 401, SECRET],
  ['/%61%64%6D%69%6E/%73%65%63%72%65%74%2E%74%78%74', 401, SECRET],
  ['/adm%69n/secret.txt', 401, SECRET],
  ['/admin/%73ecret.txt', 401, SECRET],
  ['/x/../admin/secret.txt', 401, SECRET],
  ['//admin/secret.txt', 401, SECRET],
  ['///admin///secret.txt', 401, SECRET],
  ['/./admin/secret.txt', 401, SECRET],
  ['/admin/./secret.txt', 401, SECRET],
  ['/admin//secret.txt', 401, SECRET],
  ['/admin/x/../secret.txt', 401, SECRET],
  ['/admin/../admin/secret.txt', 401, SECRET],
  ['/../admin/secret.txt', 401, SECRET],
  ['/../../admin/secret.txt', 401, SECRET],
  ['/%2e/admin/secret.txt', 401, SECRET],
  ['/%2E%2E/admin/secret.txt', 401, SECRET],
  ['/x/%2e%2e/admin/secret.txt', 401, SECRET],
  ['/x/.%2e/admin/secret.txt', 401, SECRET],
  ['/x/%2e./admin/secret.txt', 401, SECRET],
  ['/.%2e/.%2e/admin/secret.txt', 401, SECRET],
  ['/admin/secret.txt?', 401, '/admin/secret.txt?'],
  ['/admin/secret.txt?x=/../public.txt', 401, '/admin/secret.txt?x=/../public.txt'],
  ['/admin;x/secret.txt', 401, '/admin;x/secret.txt'],
  ['/;x/admin/secret.txt', 401, '/;x/admin/secret.txt'],
  ['/admin', 401, '/admin'],
  ['/admin/', 401, '/admin/'],
  ['/ADMIN/secret.txt', 404, '/ADMIN/secret.txt'],
  ['/%41dmin/secret.txt', 404, '/Admin/secret.txt'],
  ['/adminx/secret.txt', 404, '/adminx/secret.txt'],
  ['/%252e%252e/admin/secret.txt', 404, '/%252e%252e/admin/secret.txt'],
  ['/admin%252fsecret.txt', 404, '/admin%252fsecret.txt'],
  ['/admin%2fsecret.txt', 400],
  ['/admin%2Fsecret.txt', 400],
  ['/%2fadmin/secret.txt', 400],
  ['/%2Fadmin%2Fsecret.txt', 400],
  ['/admin%5csecret.txt', 400],
  ['/admin%5Csecret.txt', 400],
  ['/admin\\secret.txt', 400],
  ['/\\admin/secret.txt', 400],
  ['/admin/..%2fpublic.txt', 400],
  ['/admin/%2e%2e%2fpublic.txt', 400],
  ['/admin%2f..%2fpublic.txt', 400],
  ['/admin%00/secret.txt', 400],
  ['/admin/secret.txt%00', 400],
  ['/admin%0a/secret.txt', 400],
  ['/admin%7f', 400],
  ['/admin%2/secret.txt', 400],
  ['/admin%zz/secret.txt', 400],
  ['/admin%/secret.txt', 400],
  ['/x/..;/admin/secret.txt', 400],
  ['/public.txt', 200],
  ['/%70ublic.txt', 200, '/public.txt'],
  ['/admin/../public.txt', 200, '/public.txt'],
  ['/admin/%2e%2e/public.txt', 200, '/public.txt'],
  ['/x/./../public.txt', 200, '/public.txt'],
  ['//public.txt', 200, '/public.txt'],
  ['/%2e%2e/public.txt', 200, '/public.txt'],
  ['/admin/..', 200, '/'],
];

let dir: string;
let caPem: string;
let files: PythonFileServer;
let proxy: TestProxy;
let httpPort = 0;
let httpsPort = 0;
const AUTH = `Basic ${Buffer.from('ops:open sesame').toString('base64')}`;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-paths-'));
  const www = join(dir, 'www');
  await mkdir(join(www, 'admin'), { recursive: true });
  await writeFile(join(www, 'admin', 'secret.txt'), 'TOP-SECRET\n');
  await writeFile(join(www, 'public.txt'), 'public\n');
  files = await startPythonFileServer(www);
  const ca = new LocalCa(join(dir, 'certs'));
  caPem = await ca.rootPem();
  const pair = await ca.issue(['app.test']);
  const stored = await new CertStore(join(dir, 'certs')).install('app', { ...pair, hosts: ['app.test'], source: 'internal' });
  proxy = await startTestProxy();
  const table = makeTable(1, { web: { targets: [{ id: 'py', release: 'r1', port: files.port }] } }, {
    routes: [
      { host: 'app.test', path: '/', service: 'web' },
      { host: 'app.test', path: '/admin', service: 'web', basicAuth: { realm: 'admin', users: { ops: hashPassword('open sesame') } } },
    ],
  });
  const ack = await proxy.client.putTable({
    ...table,
    listen: { host: '127.0.0.1', http: 0, https: 0 },
    tls: [{ hosts: ['app.test'], certFile: stored.certFile, keyFile: stored.keyFile, redirectHttp: false }],
  });
  httpPort = ack.httpPort;
  httpsPort = ack.httpsPort ?? 0;
});

after(async () => {
  await proxy?.stop();
  await files?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly server: string;
}

/** HTTP/1.1 with the target sent byte for byte (node's client does not normalise a path). */
function get1(port: number, path: string, authorization?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false, headers: { host: 'app.test', ...(authorization ? { authorization } : {}) } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, server: String(res.headers.server ?? '') }));
    });
    req.on('error', reject);
    req.end();
  });
}

function get2(session: ClientHttp2Session, path: string, authorization?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path, ':authority': 'app.test', ...(authorization ? { authorization } : {}) });
    let status = 0;
    let server = '';
    let body = '';
    stream.on('response', (h) => {
      status = Number(h[':status']);
      server = String(h['server'] ?? '');
    });
    stream.on('data', (c: Buffer) => (body += c.toString()));
    stream.on('end', () => resolve({ status, body, server }));
    stream.on('error', reject);
    stream.end();
  });
}

async function checkTable(protocol: string, get: (path: string, authorization?: string) => Promise<Answer>): Promise<void> {
  const failures: string[] = [];
  for (const [raw, expected, canonical = raw] of ROWS) {
    const anonymous = await get(raw);
    if (anonymous.status !== expected) failures.push(`${raw}: ${anonymous.status} without credentials, expected ${expected}`);
    if (anonymous.body.includes('TOP-SECRET')) failures.push(`${raw}: the secret leaked without credentials`);
    const withAuth = await get(raw, AUTH);
    if (expected === 400) {
      if (withAuth.status !== 400 || withAuth.server.includes('SimpleHTTP')) failures.push(`${raw}: ${withAuth.status} from "${withAuth.server}", expected the proxy's 400`);
      continue;
    }
    const direct = await get1(files.port, canonical);
    if (withAuth.status !== direct.status || withAuth.body !== direct.body) {
      failures.push(`${raw}: ${withAuth.status} through the proxy, python answers ${direct.status} for ${canonical}`);
    }
  }
  assert.deepEqual(failures, [], `${protocol}:\n${failures.join('\n')}`);
}

test(`the encoding table has at least 40 rows, each normalised as documented`, () => {
  assert.ok(ROWS.length >= 40, `${ROWS.length} rows`);
  for (const [raw, expected, canonical = raw] of ROWS) {
    const n = normaliseTarget(raw);
    assert.equal(n.ok, expected !== 400, raw);
    if (n.ok) assert.equal(n.target, canonical.replace(/%[0-9a-f]{2}/gi, (h) => h.toUpperCase()), raw);
  }
});

test('HTTP/1.1: every encoding of a protected path needs credentials or is refused; the app reads the forwarded path the same way', async () => {
  await checkTable('HTTP/1.1', (path, auth) => get1(httpPort, path, auth));
});

test('HTTP/2: the same table over TLS with ALPN h2', async () => {
  const session = h2connect(`https://127.0.0.1:${httpsPort}`, { ca: caPem, servername: 'app.test' });
  try {
    await checkTable('HTTP/2', (path, auth) => get2(session, path, auth));
  } finally {
    session.close();
  }
});

/** Asks python directly for a marker path and waits until its log shows it: every earlier request is logged by then. */
async function logSettled(marker: string): Promise<number> {
  await get1(files.port, marker);
  for (let i = 0; i < 200 && !files.requests().some((r) => r.endsWith(marker)); i++) await new Promise((r) => setTimeout(r, 25));
  return files.requests().length;
}

test('a refused path never reaches the app', async () => {
  const before = await logSettled('/marker-before');
  for (const [raw, expected] of ROWS) if (expected === 400) await get1(httpPort, raw, AUTH);
  const after = await logSettled('/marker-after');
  assert.equal(after, before + 1, 'python logged only the marker between the two');
});

test('normaliseTarget: trailing slash, root, query kept as sent, hex upper-cased', () => {
  const t = (raw: string): string => {
    const n = normaliseTarget(raw);
    return n.ok ? n.target : `refused: ${n.reason}`;
  };
  assert.equal(t('/a/b/..'), '/a/');
  assert.equal(t('/a/.'), '/a/');
  assert.equal(t('/..'), '/');
  assert.equal(t('//'), '/');
  assert.equal(t('/a%3fb?q=%2f/../x'), '/a%3Fb?q=%2f/../x');
  assert.equal(t('/%7e%41%20'), '/~A%20');
  assert.equal(t('*'), '*');
});
