// Issue 3 (daemon wiring): a route with `tls: internal` on a *.localhost host, deployed by the
// real daemon, answers over HTTPS with a leaf of the local CA (trusted from `certs ca`), offers
// h2 by ALPN, and plain HTTP answers 308 to https; `certs list --json` shows the certificate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:tls';
import { freePort } from '../../src/lib/free-port.js';
import { startPebble } from '../helpers/pebble.js';
import { cli, destroyProject, makeProject, serviceYaml, setVersion, waitFor, type Project } from '../helpers/e2e-project.js';

const HOST = 'hello.localhost';

async function writeTlsConfig(p: Project, httpsPort: number, tls: string): Promise<void> {
  const service = serviceYaml('web', { instances: 1 }, HOST).replace(`      - host: ${HOST}\n`, `      - host: ${HOST}\n        tls: ${tls}\n`);
  await writeFile(p.configFile, `version: 1\nproxy:\n  http: ${p.port}\n  https: ${httpsPort}\n  host: 127.0.0.1\nservices:\n${service}`);
}

function httpsGet(port: number, ca: string, path = '/'): Promise<{ status: number; body: string; serial: string }> {
  return httpsGetAs(HOST, port, ca, path);
}

function httpsGetAs(host: string, port: number, ca: string, path = '/'): Promise<{ status: number; body: string; serial: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, servername: host, headers: { host }, ca, agent: false }, (res) => {
      const serial = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().serialNumber?.toLowerCase() ?? '';
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, serial }));
    });
    req.on('error', reject);
    req.end();
  });
}

function alpn(port: number, ca: string): Promise<string | false> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: HOST, ca, ALPNProtocols: ['h2', 'http/1.1'] }, () => {
      const chosen = socket.alpnProtocol;
      socket.end();
      resolve(chosen ?? false);
    });
    socket.on('error', reject);
  });
}

function httpGet(port: number, path: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host: HOST }, agent: false }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, location: res.headers.location });
    });
    req.on('error', reject);
    req.end();
  });
}

test('tls: internal: HTTPS with the local CA, h2 by ALPN, 308 from HTTP, listed by certs list', { timeout: 90_000 }, async () => {
  const p = await makeProject();
  try {
    const httpsPort = await freePort();
    await writeTlsConfig(p, httpsPort, 'internal');
    await setVersion(p, 'v1');
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    const deploy = await cli(p, ['deploy']);
    assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);

    const ca = await cli(p, ['certs', 'ca', '--json']);
    assert.equal(ca.code, 0, ca.stderr);
    assert.match(ca.json.pem, /^-----BEGIN CERTIFICATE-----/);
    const pem: string = ca.json.pem;

    const res = await waitFor('an HTTPS answer', () => httpsGet(httpsPort, pem).catch(() => undefined), 20_000);
    assert.equal(res.status, 200);
    assert.match(res.body, /hello from v1/);
    assert.equal(await alpn(httpsPort, pem), 'h2', 'HTTP/2 is offered by ALPN');

    const plain = await httpGet(p.port, '/some/path?q=1');
    assert.equal(plain.status, 308);
    assert.equal(plain.location, `https://${HOST}:${httpsPort}/some/path?q=1`, "to the HTTPS port (not 443 here)");

    const list = await cli(p, ['certs', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const cert = list.json.certs.find((c: { hosts: string[] }) => c.hosts.includes(HOST));
    assert.ok(cert, list.stdout);
    assert.equal(cert.source, 'internal');
    assert.deepEqual(cert.names, [HOST]);
    assert.equal(cert.serial, res.serial, 'the listed certificate is the one served');
    assert.ok(cert.daysLeft > 29 && cert.daysLeft <= 30, `daysLeft ${cert.daysLeft}`);
    assert.ok(Date.parse(cert.nextRenewal) > Date.now());

    const dry = await cli(p, ['certs', 'issue', HOST, '--dry-run', '--json']);
    assert.deepEqual(dry.json.plan.map((x: { action: string }) => x.action), ['keep']);

    // A forced renewal swaps in a new serial; the proxy serves it.
    const renewed = await cli(p, ['certs', 'renew', HOST, '--json']);
    assert.equal(renewed.code, 0, renewed.stdout + renewed.stderr);
    assert.notEqual(renewed.json.certs[0].serial, cert.serial);
    await waitFor('the renewed serial served', async () => (await httpsGet(httpsPort, pem)).serial === renewed.json.certs[0].serial || undefined, 10_000);
    assert.equal((await cli(p, ['stop'])).code, 0);
  } finally {
    await destroyProject(p);
  }
});

test('tls: auto: a certificate from pebble through the daemon (HTTP-01 by the proxy); renewal under load fails nothing', { timeout: 150_000 }, async () => {
  const p = await makeProject();
  const pebble = await startPebble({ httpPort: p.port });
  const host = 'app.example.com';
  let running = true;
  const failures: string[] = [];
  let ok = 0;
  try {
    const httpsPort = await freePort();
    await writeFile(join(p.dir, 'pebble-ca.pem'), pebble.caBundle);
    const service = serviceYaml('web', { instances: 1 }, host).replace(`      - host: ${host}\n`, `      - host: ${host}\n        tls: auto\n`);
    await writeFile(
      p.configFile,
      `version: 1\ntls:\n  acme:\n    email: ops@example.com\n    directory: ${pebble.directoryUrl}\n    caBundle: ./pebble-ca.pem\n` +
        `proxy:\n  http: ${p.port}\n  https: ${httpsPort}\n  host: 127.0.0.1\nservices:\n${service}`,
    );
    await setVersion(p, 'v1');
    assert.equal((await cli(p, ['daemon', '--detach'], { SLIPWAY_TEST_ACME_FAST: '1' })).code, 0);
    const deploy = await cli(p, ['deploy']);
    assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);

    const issued = await waitFor('a certificate from pebble', async () => {
      const list = await cli(p, ['certs', 'list', '--json']);
      return list.json?.certs?.find((c: { hosts: string[]; serial?: string }) => c.hosts.includes(host) && c.serial);
    }, 60_000);
    assert.equal(issued.source, 'acme');
    assert.match(issued.issuer, /Pebble/i);
    assert.deepEqual(issued.names, [host]);
    const root = await pebble.issuingRoot();
    const get = (): Promise<{ status: number; body: string; serial: string }> => httpsGetAs(host, httpsPort, root);
    await waitFor('the ACME certificate served', async () => (await get().catch(() => undefined))?.serial === issued.serial || undefined, 10_000);

    // Renewal under load: new connections (new handshakes) in 4 loops; nothing may fail.
    const loops = Array.from({ length: 4 }, async () => {
      while (running) {
        try {
          const r = await get();
          if (r.status === 200) ok += 1;
          else failures.push(`status ${r.status}`);
        } catch (err) {
          failures.push(String(err));
        }
      }
    });
    await sleep(500);
    const renewed = await cli(p, ['certs', 'renew', host, '--json']);
    assert.equal(renewed.code, 0, renewed.stdout + renewed.stderr);
    const serial = renewed.json.certs[0].serial as string;
    assert.notEqual(serial, issued.serial);
    await waitFor('the renewed certificate served', async () => (await get()).serial === serial || undefined, 10_000);
    await sleep(500);
    running = false;
    await Promise.all(loops);
    assert.deepEqual(failures, [], 'no failed request or handshake during the swap');
    assert.ok(ok > 20, `${ok} requests`);
    assert.equal((await cli(p, ['stop'])).code, 0);
  } finally {
    running = false;
    await destroyProject(p);
    await pebble.stop();
  }
});
