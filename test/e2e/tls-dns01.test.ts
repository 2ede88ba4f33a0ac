// Issue 19, DNS-01: two services' wildcard routes with `tls: auto` get wildcard certificates from
// pebble, which validates against a real BIND 9 that slipway updates with TSIG-signed RFC 2136
// updates; the TXT records are gone after each order; a renewal goes through DNS-01 again; a
// wrong TSIG key surfaces like every ACME failure (its code in `certs renew`, `certs list`, the
// daemon log) while the route keeps serving its certificate, and a good key mends it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { freePort } from '../../src/lib/free-port.js';
import { startBind, type Bind } from '../helpers/bind.js';
import { startPebble, type Pebble } from '../helpers/pebble.js';
import { httpsGet } from '../helpers/tls-client.js';
import { CLI, cli, destroyProject, makeProject, serviceYaml, setVersion, waitFor, type Project } from '../helpers/e2e-project.js';

const APPS = '*.apps.example.test';
const API = '*.api.example.test';

interface Listed {
  hosts: string[];
  serial?: string;
  failures?: number;
  lastError?: string;
}

function setSecret(p: Project, name: string, value: string): void {
  const r = spawnSync(process.execPath, [CLI, 'secrets', 'set', name, '--config', p.configFile], { input: `${value}\n`, cwd: p.dir, encoding: 'utf8', env: { ...process.env, SLIPWAY_TEST_MARK: p.mark } });
  assert.equal(r.status, 0, `secrets set ${name} failed: ${r.stderr}`);
}

/** The subject alternative names of the certificate served for `servername`. */
function servedNames(servername: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerX509Certificate()?.subjectAltName ?? '');
      socket.destroy();
    });
    socket.on('error', reject);
  });
}

test('wildcard routes of two services issue through DNS-01 on a real BIND; records cleaned; renewal; a wrong TSIG key keeps the old certificate', { timeout: 300_000 }, async () => {
  const p = await makeProject();
  let bind: Bind | undefined;
  let pebble: Pebble | undefined;
  try {
    bind = await startBind({ zone: 'example.test' });
    const httpsPort = await freePort();
    pebble = await startPebble({ httpPort: p.port, tlsPort: httpsPort, dnsServer: `127.0.0.1:${bind.port}` });
    await writeFile(join(p.dir, 'acme-ca.pem'), pebble.caBundle);
    const services = [serviceYaml('web', { instances: 1 }, `"${APPS}"`), serviceYaml('api', { instances: 1 }, `"${API}"`)]
      .map((s) => s.replace(/(      - host: "[^"]+"\n)/, '$1        tls: auto\n'))
      .join('');
    await writeFile(
      p.configFile,
      `version: 1\nsecrets:\n  TSIG_KEY: {}\ntls:\n  acme:\n    email: ops@example.test\n    directory: ${pebble.directoryUrl}\n    caBundle: ./acme-ca.pem\n` +
        `    dns01:\n      provider: rfc2136\n      server: 127.0.0.1:${bind.port}\n      zone: example.test\n      key: { name: ${bind.keyName}, algorithm: hmac-sha256, secret: "\${secret:TSIG_KEY}" }\n      propagationTimeout: 5s\n` +
        `proxy:\n  http: ${p.port}\n  https: ${httpsPort}\n  host: 127.0.0.1\nservices:\n${services}`,
    );
    // check on the server names the DNS-01 key's secret while it has no value, then passes.
    const unset = await cli(p, ['check', '--json']);
    assert.equal(unset.json?.error?.code, 'SLW_SECRETS_MISSING', unset.stdout + unset.stderr);
    assert.deepEqual(unset.json.error.details.missing, ['TSIG_KEY']);
    setSecret(p, 'TSIG_KEY', bind.keySecret);
    const check = await cli(p, ['check']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    await setVersion(p, 'v1');
    const env = { SLIPWAY_TEST_ACME_FAST: '1', SLIPWAY_TEST_CERT_TIMING: 'backoff=30000' };
    assert.equal((await cli(p, ['daemon', '--detach'], env)).code, 0);
    const deploy = await cli(p, ['deploy']);
    assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);

    const list = async (): Promise<Listed[]> => ((await cli(p, ['certs', 'list', '--json'])).json?.certs as Listed[] | undefined) ?? [];
    const of = (certs: Listed[], host: string): Listed | undefined => certs.find((c) => c.hosts.includes(host));
    const issued = await waitFor('both wildcard certificates', async () => {
      const certs = await list();
      return of(certs, APPS)?.serial && of(certs, API)?.serial ? certs : undefined;
    }, 90_000);
    const root = await pebble.issuingRoot();
    const appsSerial = of(issued, APPS)?.serial ?? '';
    const apiSerial = of(issued, API)?.serial ?? '';
    assert.notEqual(appsSerial, apiSerial, 'one certificate per wildcard route');

    // Any name under each wildcard is served by the proxy with its wildcard certificate, trusted through pebble's root.
    for (const [host, serial, san] of [['one.apps.example.test', appsSerial, APPS], ['two.apps.example.test', appsSerial, APPS], ['x.api.example.test', apiSerial, API]] as const) {
      const answer = await waitFor(`${host} over HTTPS`, async () => {
        const a = await httpsGet(host, httpsPort, root).catch(() => undefined);
        return a?.serial === serial ? a : undefined;
      }, 30_000);
      assert.equal(answer.status, 200);
      assert.equal(await servedNames(host, httpsPort), `DNS:${san}`);
    }
    // The challenge records are gone from the zone once the orders are done.
    assert.deepEqual(await bind.txt('_acme-challenge.apps.example.test'), []);
    assert.deepEqual(await bind.txt('_acme-challenge.api.example.test'), []);

    // Renewal goes through DNS-01 again (pebble reuses no authorization here): the TXT record is
    // seen in the zone while the order runs, and removed after it.
    const seen = new Set<string>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        for (const v of await bind.txt('_acme-challenge.apps.example.test')) seen.add(v);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const renew = await cli(p, ['certs', 'renew', APPS, '--json']);
    watching = false;
    await watcher;
    assert.equal(renew.code, 0, renew.stdout + renew.stderr);
    const renewed = (renew.json.certs as Listed[])[0];
    assert.ok(renewed?.serial && renewed.serial !== appsSerial, 'a new certificate');
    assert.ok(seen.size >= 1, 'the TXT record was published during the renewal');
    assert.ok([...seen].every((v) => /^[A-Za-z0-9_-]{43}$/.test(v)), `key authorization digests: ${[...seen].join(', ')}`);
    assert.deepEqual(await bind.txt('_acme-challenge.apps.example.test'), [], 'and removed after it');
    await waitFor('the renewed certificate served', async () => ((await httpsGet('one.apps.example.test', httpsPort, root)).serial === renewed.serial) || undefined, 30_000);

    // A wrong TSIG key: the renewal fails with its code, the certificate in place keeps serving.
    const wrongKey = randomBytes(32).toString('base64');
    setSecret(p, 'TSIG_KEY', wrongKey);
    const bad = await cli(p, ['certs', 'renew', API, '--json']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stdout + bad.stderr, /SLW_CERT_DNS_BAD_CREDENTIALS/);
    assert.ok(!(bad.stdout + bad.stderr).includes(wrongKey) && !(bad.stdout + bad.stderr).includes(bind.keySecret));
    assert.equal((await httpsGet('x.api.example.test', httpsPort, root)).serial, apiSerial, 'the old certificate keeps serving');
    const failed = of(await list(), API);
    assert.equal(failed?.failures, 1);
    assert.match(failed?.lastError ?? '', /^SLW_CERT_DNS_BAD_CREDENTIALS: .*BADSIG/);
    const log = await readFile(join(p.stateDir, 'logs', 'daemon.log'), 'utf8');
    assert.ok(log.includes(`certificate-failed hosts=${API} code=SLW_CERT_DNS_BAD_CREDENTIALS failures=1`), log.slice(-2000));
    assert.ok(!log.includes(wrongKey) && !log.includes(bind.keySecret), 'no TSIG secret in the daemon log');
    // The saved certificate set keeps the reference, never the value.
    const managed = await readFile(join(p.stateDir, 'certs', 'managed.json'), 'utf8');
    assert.ok(managed.includes('secret:default:TSIG_KEY') && !managed.includes(wrongKey) && !managed.includes(bind.keySecret), managed);
    assert.deepEqual(await bind.txt('_acme-challenge.api.example.test'), []);

    // The right key again: the next renewal succeeds and the failure clears.
    setSecret(p, 'TSIG_KEY', bind.keySecret);
    const good = await cli(p, ['certs', 'renew', API, '--json']);
    assert.equal(good.code, 0, good.stdout + good.stderr);
    const mended = (good.json.certs as Listed[])[0];
    assert.ok(mended?.serial && mended.serial !== apiSerial);
    assert.equal(mended.failures, 0);
    assert.deepEqual(await bind.txt('_acme-challenge.api.example.test'), []);
    assert.equal((await cli(p, ['stop'])).code, 0);
  } finally {
    await destroyProject(p);
    await pebble?.stop();
    await bind?.stop();
  }
});
