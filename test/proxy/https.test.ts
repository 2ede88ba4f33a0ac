import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { connect as h2connect } from 'node:http2';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { request as httpRequest } from 'node:http';
import { checkServerIdentity, connect as tlsConnect } from 'node:tls';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertStore } from '../../src/certs/cert-store.js';
import { LocalCa } from '../../src/certs/local-ca.js';
import type { RoutingTableInput, TlsEntry } from '../../src/proxy/protocol.js';
import { makeTable, startTestProxy, startUpstream, type TestProxy, type Upstream } from '../helpers/proxy-fixtures.js';

let dir: string;
let ca: LocalCa;
let store: CertStore;
let caPem: string;
let upstream: Upstream;
let proxy: TestProxy;
let httpsPort = 0;
let httpPort = 0;
let version = 0;

async function push(tls: TlsEntry[], extra: Partial<RoutingTableInput> = {}): Promise<void> {
  const table = makeTable(++version, { web: { targets: [{ id: 'a', release: 'r1', port: upstream.port }] } });
  const ack = await proxy.client.putTable({ ...table, listen: { host: '127.0.0.1', http: httpPort, https: httpsPort }, tls, ...extra });
  httpPort = ack.httpPort;
  httpsPort = ack.httpsPort ?? 0;
}

async function installed(name: string, hosts: string[]): Promise<{ certFile: string; keyFile: string; serial: string }> {
  const pair = await ca.issue(hosts);
  const stored = await store.install(name, { ...pair, hosts, source: 'internal' });
  return { certFile: stored.certFile, keyFile: stored.keyFile, serial: stored.summary.serial };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-https-'));
  ca = new LocalCa(join(dir, 'certs'));
  store = new CertStore(join(dir, 'certs'));
  caPem = await ca.rootPem();
  upstream = await startUpstream('app');
  proxy = await startTestProxy();
});
after(async () => {
  await proxy?.stop();
  await upstream?.close();
  await rm(dir, { recursive: true, force: true });
});

/** openssl s_client with argv only; resolves with its exit status and output. */
function sClient(args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${httpsPort}`, '-servername', 'app.localhost', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, out });
    });
  });
}

function peerSerial(servername: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port: httpsPort, ca: caPem, ...(servername ? { servername } : {}), ALPNProtocols: ['http/1.1'], checkServerIdentity: (_h, cert) => checkServerIdentity(servername ?? 'app.localhost', cert) }, () => {
      const serial = socket.getPeerX509Certificate()?.serialNumber.toLowerCase() ?? '';
      socket.destroy();
      resolve(serial);
    });
    socket.on('error', reject);
  });
}

function h1(path: string, host: string, agent?: HttpsAgent): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: httpsPort, path, servername: host, headers: { host }, ca: caPem, checkServerIdentity: (_h, cert) => checkServerIdentity(host, cert), ...(agent ? { agent } : { agent: false }) }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('HTTPS: SNI picks the certificate, TLS 1.2/1.3 only with intermediate suites, h2 by ALPN and HTTP/1.1 fallback', async () => {
  const app = await installed('app.localhost', ['app.localhost', 'localhost']);
  const other = await installed('other.localhost', ['other.localhost']);
  await push([
    { hosts: ['app.localhost', 'localhost'], certFile: app.certFile, keyFile: app.keyFile, redirectHttp: true, hstsMaxAge: 31536000 },
    { hosts: ['other.localhost'], certFile: other.certFile, keyFile: other.keyFile, redirectHttp: false },
  ]);
  assert.ok(httpsPort > 0);
  assert.equal(await peerSerial('app.localhost'), app.serial);
  assert.equal(await peerSerial('other.localhost'), other.serial);
  assert.equal(await peerSerial(undefined), app.serial, 'no SNI: the first certificate');

  const legacy = ['-cipher', 'DEFAULT@SECLEVEL=0'];
  for (const v of ['-tls1', '-tls1_1']) {
    const r = await sClient([v, ...legacy]);
    assert.notEqual(r.status, 0, `${v} must fail`);
    assert.match(r.out, /alert protocol version|unsupported protocol/i, r.out);
  }
  const t12 = await sClient(['-tls1_2']);
  assert.equal(t12.status, 0, t12.out);
  assert.match(t12.out, /Protocol\s*:\s*TLSv1\.2/);
  const t13 = await sClient(['-tls1_3']);
  assert.equal(t13.status, 0, t13.out);
  assert.match(t13.out, /TLSv1\.3/);
  const strong = await sClient(['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256']);
  assert.equal(strong.status, 0, strong.out);
  for (const weak of ['ECDHE-ECDSA-AES128-SHA', 'AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-SHA384']) {
    const r = await sClient(['-tls1_2', '-cipher', `${weak}@SECLEVEL=0`]);
    assert.notEqual(r.status, 0, `${weak} must be refused: ${r.out}`);
  }
  const alpn = await sClient(['-alpn', 'h2,http/1.1']);
  assert.match(alpn.out, /ALPN protocol: h2/);

  // HTTP/2 through to the HTTP/1.1 upstream.
  const session = h2connect(`https://127.0.0.1:${httpsPort}`, { ca: caPem, servername: 'app.localhost' });
  const body = await new Promise<string>((resolve, reject) => {
    const stream = session.request({ ':path': '/h2?x=1', ':authority': 'app.localhost' });
    let data = '';
    stream.on('response', (headers) => {
      assert.equal(headers[':status'], 200);
      assert.equal(headers['strict-transport-security'], 'max-age=31536000');
    });
    stream.on('data', (c: Buffer) => (data += c.toString()));
    stream.on('end', () => resolve(data));
    stream.on('error', reject);
  });
  session.close();
  const seen = JSON.parse(body) as { url: string; headers: Record<string, string> };
  assert.equal(seen.url, '/h2?x=1');
  assert.equal(seen.headers['host'], 'app.localhost');
  assert.equal(seen.headers['x-forwarded-proto'], 'https');
  assert.ok(!Object.keys(seen.headers).some((h) => h.startsWith(':')), 'no pseudo-headers upstream');

  // HTTP/1.1 over TLS; HSTS only where configured.
  const one = await h1('/one', 'app.localhost');
  assert.equal(one.status, 200);
  assert.equal(one.headers['strict-transport-security'], 'max-age=31536000');
  const two = await h1('/two', 'other.localhost');
  assert.equal(two.status, 200);
  assert.equal(two.headers['strict-transport-security'], undefined);
});

test('plain HTTP: 308 to https where redirectHttp is on, ACME challenges answered first', async () => {
  const app = await installed('app.localhost', ['app.localhost']);
  await push([{ hosts: ['app.localhost'], certFile: app.certFile, keyFile: app.keyFile, redirectHttp: true }], { challenges: { tok_1: 'tok_1.thumb' } });
  const get = (path: string, host: string): Promise<{ status: number; location: unknown; body: string }> =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: httpPort, path, headers: { host }, agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }));
      });
      req.on('error', reject);
      req.end();
    });
  const redirected = await get('/a?b=1', 'app.localhost');
  assert.equal(redirected.status, 308);
  assert.equal(redirected.location, `https://app.localhost:${httpsPort}/a?b=1`);
  const challenge = await get('/.well-known/acme-challenge/tok_1', 'app.localhost');
  assert.equal(challenge.status, 200);
  assert.equal(challenge.body, 'tok_1.thumb');
  const plain = await get('/p', 'nocert.localhost');
  assert.equal(plain.status, 200, 'a host without a certificate is proxied over plain HTTP');
});

test('certificates swap under continuous HTTPS load with 0 failed handshakes or requests', async () => {
  const first = await installed('app.localhost', ['app.localhost']);
  const entry = (c: { certFile: string; keyFile: string }): TlsEntry => ({ hosts: ['app.localhost'], certFile: c.certFile, keyFile: c.keyFile, redirectHttp: true });
  await push([entry(first)]);
  const keepAlive = new HttpsAgent({ keepAlive: true, maxSockets: 4, ca: caPem });
  let failures = 0;
  let requests = 0;
  const serials = new Set<string>();
  let running = true;
  const loops = [
    ...Array.from({ length: 3 }, async () => {
      while (running) {
        try {
          serials.add(await peerSerial('app.localhost'));
          const r = await h1('/new-conn', 'app.localhost');
          if (r.status !== 200) failures++;
        } catch {
          failures++;
        }
        requests++;
      }
    }),
    ...Array.from({ length: 3 }, async () => {
      while (running) {
        try {
          const r = await h1('/keep-alive', 'app.localhost', keepAlive);
          if (r.status !== 200) failures++;
        } catch {
          failures++;
        }
        requests++;
      }
    }),
  ];
  // A renewal through the store (new paths, new table), then a user file rewritten in place.
  await new Promise((r) => setTimeout(r, 300));
  const second = await installed('app.localhost', ['app.localhost']);
  await push([entry(second)]);
  await new Promise((r) => setTimeout(r, 300));
  const userCert = join(dir, 'user.pem');
  const userKey = join(dir, 'user.key');
  const third = await ca.issue(['app.localhost']);
  await writeFile(userCert, third.fullchain);
  await writeFile(userKey, third.privkey);
  await push([entry({ certFile: userCert, keyFile: userKey })]);
  const fourth = await ca.issue(['app.localhost']);
  await writeFile(userKey, fourth.privkey);
  await writeFile(userCert, fourth.fullchain);
  const fourthSerial = new X509Certificate(fourth.fullchain).serialNumber.toLowerCase();
  const deadline = Date.now() + 10_000;
  while (!serials.has(fourthSerial) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  running = false;
  await Promise.all(loops);
  keepAlive.destroy();
  assert.equal(failures, 0, `${failures} of ${requests} failed`);
  assert.ok(requests > 50, `only ${requests} requests`);
  for (const s of [first.serial, second.serial, new X509Certificate(third.fullchain).serialNumber.toLowerCase(), fourthSerial]) {
    assert.ok(serials.has(s), `serial ${s} was served`);
  }
});

test('a bad pair in a table or on disk is refused and the previous certificate keeps serving', async () => {
  const good = await installed('app.localhost', ['app.localhost']);
  await push([{ hosts: ['app.localhost'], certFile: good.certFile, keyFile: good.keyFile, redirectHttp: true }]);
  const failures: string[] = [];
  proxy.events.on('tls-load-failed', (e) => failures.push(e.error));
  const wrong = await ca.issue(['app.localhost']);
  const other = await ca.issue(['app.localhost']);
  await writeFile(join(dir, 'wrong.pem'), wrong.fullchain);
  await writeFile(join(dir, 'wrong.key'), other.privkey);
  await push([{ hosts: ['app.localhost'], certFile: join(dir, 'wrong.pem'), keyFile: join(dir, 'wrong.key'), redirectHttp: true }]);
  assert.equal(await peerSerial('app.localhost'), good.serial);
  assert.match(failures.join('\n'), /does not match the private key/);
});

test('HSTS directives: includeSubDomains and preload are sent over HTTP/1.1 and HTTP/2 where the entry sets them', async () => {
  const app = await installed('hsts-app.localhost', ['app.localhost', 'localhost']);
  const other = await installed('hsts-other.localhost', ['other.localhost']);
  await push([
    { hosts: ['app.localhost', 'localhost'], certFile: app.certFile, keyFile: app.keyFile, redirectHttp: true, hstsMaxAge: 63072000, hstsIncludeSubDomains: true, hstsPreload: true },
    { hosts: ['other.localhost'], certFile: other.certFile, keyFile: other.keyFile, redirectHttp: true, hstsMaxAge: 600, hstsIncludeSubDomains: true },
  ]);
  assert.equal((await h1('/p', 'app.localhost')).headers['strict-transport-security'], 'max-age=63072000; includeSubDomains; preload');
  assert.equal((await h1('/p', 'other.localhost')).headers['strict-transport-security'], 'max-age=600; includeSubDomains');
  const session = h2connect(`https://127.0.0.1:${httpsPort}`, { ca: caPem, servername: 'app.localhost' });
  try {
    const value = await new Promise<unknown>((resolve, reject) => {
      const stream = session.request({ ':path': '/p2', ':authority': 'app.localhost' });
      stream.on('response', (headers) => resolve(headers['strict-transport-security']));
      stream.on('error', reject);
      stream.resume();
    });
    assert.equal(value, 'max-age=63072000; includeSubDomains; preload');
  } finally {
    session.close();
  }
});
