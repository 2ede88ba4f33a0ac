// Issue 3 through the daemon: `tls.acme.challenge: tls-alpn-01` gets a certificate from pebble
// validated on the proxy's HTTPS port (RFC 8737); pebble's HTTP-01 port points at a port where
// nothing listens, so port 80 is not needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../src/lib/free-port.js';
import { startPebble } from '../helpers/pebble.js';
import { httpsGet } from '../helpers/tls-client.js';
import { cli, destroyProject, makeProject, serviceYaml, setVersion, waitFor } from '../helpers/e2e-project.js';

test('tls-alpn-01: a certificate from pebble validated on the HTTPS port, with no HTTP port reachable', { timeout: 120_000 }, async () => {
  const p = await makeProject();
  const host = 'alpn.example.com';
  const httpsPort = await freePort();
  const nothing = await freePort(); // nothing listens here: HTTP-01 could not succeed
  const pebble = await startPebble({ httpPort: nothing, tlsPort: httpsPort });
  try {
    await writeFile(join(p.dir, 'pebble-ca.pem'), pebble.caBundle);
    const service = serviceYaml('web', { instances: 1 }, host).replace(`      - host: ${host}\n`, `      - host: ${host}\n        tls: auto\n`);
    await writeFile(
      p.configFile,
      `version: 1\ntls:\n  acme:\n    email: ops@example.com\n    directory: ${pebble.directoryUrl}\n    caBundle: ./pebble-ca.pem\n    challenge: tls-alpn-01\n` +
        `proxy:\n  http: ${p.port}\n  https: ${httpsPort}\n  host: 127.0.0.1\nservices:\n${service}`,
    );
    await setVersion(p, 'v1');
    assert.equal((await cli(p, ['daemon', '--detach'], { SLIPWAY_TEST_ACME_FAST: '1' })).code, 0);
    const deploy = await cli(p, ['deploy']);
    assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);
    let last = '';
    const issued = await waitFor('a certificate from pebble', async () => {
      const list = await cli(p, ['certs', 'list', '--json']);
      last = list.stdout;
      return list.json?.certs?.find((c: { hosts: string[]; serial?: string }) => c.hosts.includes(host) && c.serial);
    }, 60_000).catch((err: Error) => assert.fail(`${err.message}: ${last}`));
    assert.equal(issued.source, 'acme');
    assert.match(issued.issuer, /Pebble/i);
    assert.equal(issued.failures, 0);
    const root = await pebble.issuingRoot();
    const res = await waitFor('the certificate served', async () => {
      const r = await httpsGet(host, httpsPort, root).catch(() => undefined);
      return r?.serial === issued.serial ? r : undefined;
    }, 10_000);
    assert.equal(res.status, 200);
    assert.match(res.body, /hello from v1/);

    // A renewal goes the same way while the old certificate serves.
    const renewed = await cli(p, ['certs', 'renew', host, '--json']);
    assert.equal(renewed.code, 0, renewed.stdout + renewed.stderr);
    assert.notEqual(renewed.json.certs[0].serial, issued.serial);
    await waitFor('the renewed certificate served', async () => (await httpsGet(host, httpsPort, root)).serial === renewed.json.certs[0].serial || undefined, 10_000);
    assert.equal((await cli(p, ['stop'])).code, 0);
  } finally {
    await destroyProject(p);
    await pebble.stop();
  }
});

test('challenge: auto with port 80 unreachable: HTTP-01 fails once, the next attempt uses TLS-ALPN-01 and succeeds', { timeout: 120_000 }, async () => {
  const p = await makeProject();
  const host = 'auto.example.com';
  const httpsPort = await freePort();
  const nothing = await freePort();
  const pebble = await startPebble({ httpPort: nothing, tlsPort: httpsPort });
  try {
    await writeFile(join(p.dir, 'pebble-ca.pem'), pebble.caBundle);
    const service = serviceYaml('web', { instances: 1 }, host).replace(`      - host: ${host}\n`, `      - host: ${host}\n        tls: auto\n`);
    await writeFile(
      p.configFile,
      `version: 1\ntls:\n  acme:\n    email: ops@example.com\n    directory: ${pebble.directoryUrl}\n    caBundle: ./pebble-ca.pem\n` +
        `proxy:\n  http: ${p.port}\n  https: ${httpsPort}\n  host: 127.0.0.1\nservices:\n${service}`,
    );
    await setVersion(p, 'v1');
    assert.equal((await cli(p, ['daemon', '--detach'], { SLIPWAY_TEST_ACME_FAST: '1', SLIPWAY_TEST_CERT_TIMING: 'backoff=1000' })).code, 0);
    const deploy = await cli(p, ['deploy']);
    assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);
    const issued = await waitFor('a certificate from pebble', async () => {
      const list = await cli(p, ['certs', 'list', '--json']);
      return list.json?.certs?.find((c: { hosts: string[]; serial?: string }) => c.hosts.includes(host) && c.serial);
    }, 60_000);
    assert.equal(issued.failures, 0);
    const log = await readFile(join(p.stateDir, 'logs', 'daemon.log'), 'utf8');
    // The first attempt was HTTP-01 (pebble could not fetch /.well-known/acme-challenge/…), the second TLS-ALPN-01.
    assert.match(log, new RegExp(`certificate-failed hosts=${host} code=SLW_CERT_ACME_FAILED failures=1 .*acme-challenge.*connection refused`), log);
    assert.doesNotMatch(log, /failures=2/);
    assert.match(log, new RegExp(`certificate-installed hosts=${host} serial=${issued.serial}`));
    const root = await pebble.issuingRoot();
    await waitFor('the certificate served', async () => ((await httpsGet(host, httpsPort, root).catch(() => undefined))?.serial === issued.serial ? true : undefined), 10_000);
    assert.equal((await cli(p, ['stop'])).code, 0);
  } finally {
    await destroyProject(p);
    await pebble.stop();
  }
});
