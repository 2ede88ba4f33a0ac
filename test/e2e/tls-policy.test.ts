// Issue 3, acceptance 4 through the daemon: the proxy the daemon runs refuses TLS 1.0 and 1.1
// and suites outside Mozilla's "intermediate" list, accepts TLS 1.2 and 1.3 with the
// intermediate suites, and sends HSTS only where the route asks for it. Every refusal is
// checked against a permissive control server, so it is the proxy that refuses, not the client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { createServer, type ConnectionOptions } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { freePort } from '../../src/lib/free-port.js';
import { leafFor, testCa } from '../helpers/cert-fixtures.js';
import { handshake, httpsGet } from '../helpers/tls-client.js';
import { cli, destroyProject, makeProject, serviceYaml, setVersion, waitFor } from '../helpers/e2e-project.js';

const STRICT = 'hsts.localhost';
const PLAIN = 'nohsts.localhost';
const OLD = 'ALL@SECLEVEL=0';

test('TLS 1.0/1.1 and non-intermediate suites refused, TLS 1.2/1.3 intermediate suites accepted, HSTS where configured', { timeout: 120_000 }, async () => {
  const p = await makeProject();
  const ca = await testCa();
  const controlPair = await leafFor(ca, [STRICT]);
  // The control accepts everything this OpenSSL can still speak.
  const control = createServer({ cert: controlPair.fullchain, key: controlPair.privkey, minVersion: 'TLSv1', ciphers: OLD }, (s) => s.end());
  await new Promise<void>((r) => control.listen(0, '127.0.0.1', () => r()));
  const controlPort = (control.address() as AddressInfo).port;
  try {
    const httpsPort = await freePort();
    const routes = `      - host: ${STRICT}\n        tls: internal\n        hsts: 1d\n      - host: ${PLAIN}\n        tls: internal\n        hsts: false\n`;
    const service = serviceYaml('web', { instances: 1 }, STRICT).replace(`      - host: ${STRICT}\n`, routes);
    await writeFile(p.configFile, `version: 1\nproxy:\n  http: ${p.port}\n  https: ${httpsPort}\n  host: 127.0.0.1\nservices:\n${service}`);
    await setVersion(p, 'v1');
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    const deploy = await cli(p, ['deploy']);
    assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);
    const root: string = (await cli(p, ['certs', 'ca', '--json'])).json.pem;
    await waitFor('HTTPS', () => httpsGet(STRICT, httpsPort, root).catch(() => undefined), 20_000);

    const refused: Array<[string, ConnectionOptions]> = [
      ['TLS 1.0', { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: OLD }],
      ['TLS 1.1', { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: OLD }],
      ['TLS 1.2 ECDHE-ECDSA-AES128-SHA (CBC)', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA@SECLEVEL=0' }],
      ['TLS 1.2 ECDHE-ECDSA-AES256-SHA384 (CBC)', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-SHA384@SECLEVEL=0' }],
      ['TLS 1.2 ECDHE-ECDSA-AES128-CCM', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-CCM@SECLEVEL=0' }],
    ];
    // Each suite offered alone (TLS 1.3 is off at maxVersion 1.2), so the proxy cannot pick another.
    for (const [what, options] of refused) {
      const ok = await handshake(controlPort, { ...options, servername: STRICT });
      assert.ok(ok.ok, `${what}: the client can speak it (control server): ${JSON.stringify(ok)}`);
      const proxy = await handshake(httpsPort, { ...options, servername: STRICT });
      assert.equal(proxy.ok, false, `${what} is refused by the proxy: ${JSON.stringify(proxy)}`);
    }

    const accepted: Array<[string, string, string]> = [
      ['TLSv1.2', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
      ['TLSv1.2', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'],
      ['TLSv1.2', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'],
      ['TLSv1.3', 'TLS_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256'],
      ['TLSv1.3', 'TLS_AES_256_GCM_SHA384', 'TLS_AES_256_GCM_SHA384'],
      ['TLSv1.3', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_CHACHA20_POLY1305_SHA256'],
    ];
    for (const [version, suite, standard] of accepted) {
      const v = version as 'TLSv1.2' | 'TLSv1.3';
      const options: ConnectionOptions = { minVersion: v, maxVersion: v, servername: STRICT, ca: root, rejectUnauthorized: true, ciphers: suite };
      const result = await handshake(httpsPort, options);
      assert.deepEqual(result.ok && [result.protocol, result.cipher], [version, standard], `${version} ${suite}: ${JSON.stringify(result)}`);
    }

    // openssl s_client agrees (another TLS stack than Node's client options).
    const s = (args: string[]): { code: number | null; out: string } => {
      const r = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${httpsPort}`, '-servername', STRICT, ...args], { input: '', encoding: 'utf8', timeout: 10_000 });
      return { code: r.status, out: r.stdout + r.stderr };
    };
    assert.notEqual(s(['-tls1_1', '-cipher', OLD]).code, 0, 'openssl -tls1_1 is refused');
    const tls13 = s(['-tls1_3']);
    assert.match(tls13.out, /Protocol\s*:\s*TLSv1\.3|New, TLSv1\.3/, tls13.out);

    const strict = await httpsGet(STRICT, httpsPort, root);
    assert.equal(strict.status, 200);
    assert.equal(strict.headers['strict-transport-security'], 'max-age=86400');
    const plain = await httpsGet(PLAIN, httpsPort, root);
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['strict-transport-security'], undefined);
    assert.equal((await cli(p, ['stop'])).code, 0);
  } finally {
    control.close();
    await destroyProject(p);
  }
});
