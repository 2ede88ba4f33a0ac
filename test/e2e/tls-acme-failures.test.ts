// Issue 3, acceptance 3 through the daemon: the ACME server goes down, then rate-limits; the old
// certificate keeps serving, retries back off exponentially (bounds shortened for the test),
// Retry-After is honoured, the failure shows in `certs list`, the daemon log and /metrics,
// and a later renewal clears it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../src/lib/free-port.js';
import { startPebble } from '../helpers/pebble.js';
import { startAcmeFront } from '../helpers/acme-front.js';
import { httpsGet } from '../helpers/tls-client.js';
import { cli, destroyProject, makeProject, serviceYaml, setVersion, waitFor } from '../helpers/e2e-project.js';

const HOST = 'app.example.com';
const BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 8000;
const RETRY_AFTER_S = 20;

interface Listed {
  serial?: string;
  failures?: number;
  lastError?: string;
  lastErrorAt?: string;
  retryAt?: string;
  nextRenewal?: string;
  hosts: string[];
}

test('ACME down, then rate-limited: the old certificate serves, retries back off, Retry-After is honoured, the failure is visible', { timeout: 180_000 }, async () => {
  const p = await makeProject();
  const httpsPort = await freePort();
  // Both challenge types reach the proxy: `auto` swaps to TLS-ALPN-01 after a failed attempt.
  const pebble = await startPebble({ httpPort: p.port, tlsPort: httpsPort });
  const front = await startAcmeFront(pebble.directoryUrl, pebble.caBundle);
  try {
    const admin = await freePort();
    await writeFile(join(p.dir, 'acme-ca.pem'), pebble.caBundle + front.caPem);
    const service = serviceYaml('web', { instances: 1 }, HOST).replace(`      - host: ${HOST}\n`, `      - host: ${HOST}\n        tls: auto\n`);
    await writeFile(
      p.configFile,
      `version: 1\ntls:\n  acme:\n    email: ops@example.com\n    directory: ${front.directoryUrl}\n    caBundle: ./acme-ca.pem\n` +
        `proxy:\n  http: ${p.port}\n  https: ${httpsPort}\n  host: 127.0.0.1\nadmin:\n  listen: 127.0.0.1:${admin}\nservices:\n${service}`,
    );
    await setVersion(p, 'v1');
    const env = { SLIPWAY_TEST_ACME_FAST: '1', SLIPWAY_TEST_CERT_TIMING: `backoff=${BACKOFF_MS},maxBackoff=${MAX_BACKOFF_MS}` };
    assert.equal((await cli(p, ['daemon', '--detach'], env)).code, 0);
    const deploy = await cli(p, ['deploy']);
    assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);
    const list = async (): Promise<Listed> => {
      const out = await cli(p, ['certs', 'list', '--json']);
      const cert = (out.json?.certs as Listed[] | undefined)?.find((c) => c.hosts.includes(HOST));
      assert.ok(cert, out.stdout + out.stderr);
      return cert;
    };
    const issued = await waitFor('a certificate from pebble', async () => ((await list()).serial ? list() : undefined), 60_000);
    const root = await pebble.issuingRoot();
    const served = async (): Promise<string> => (await httpsGet(HOST, httpsPort, root)).serial;
    await waitFor('the ACME certificate served', async () => (await served().catch(() => '')) === issued.serial || undefined, 10_000);
    assert.equal(issued.failures, 0);

    // The ACME server goes down: a forced renewal fails with its code; the old certificate serves.
    await front.down();
    const renew = await cli(p, ['certs', 'renew', HOST, '--json']);
    assert.notEqual(renew.code, 0);
    assert.match(renew.stdout + renew.stderr, /SLW_CERT_ACME_FAILED/);
    assert.equal(await served(), issued.serial, 'the old certificate keeps serving');

    // The renewal loop retries on its own, each pause twice the previous one (1 s, 2 s, 4 s here).
    const samples = new Map<number, Listed>();
    await waitFor('four failed attempts in a row', async () => {
      const c = await list();
      if (c.failures !== undefined && c.failures > 0) samples.set(c.failures, c);
      return (c.failures ?? 0) >= 4 || undefined;
    }, 40_000);
    for (const [n, c] of samples) {
      assert.match(c.lastError ?? '', /^SLW_CERT_ACME_FAILED: /);
      assert.equal(c.nextRenewal, c.retryAt, 'next attempt is the retry');
      const pause = Date.parse(c.retryAt ?? '') - Date.parse(c.lastErrorAt ?? '');
      const expected = Math.min(MAX_BACKOFF_MS, BACKOFF_MS * 2 ** (n - 1));
      assert.ok(Math.abs(pause - expected) <= 50, `attempt ${n}: pause ${pause} ms, expected ${expected} ms`);
      const next = samples.get(n + 1);
      if (next) {
        const waited = Date.parse(next.lastErrorAt ?? '') - Date.parse(c.lastErrorAt ?? '');
        assert.ok(waited >= expected - 50, `attempt ${n + 1} came ${waited} ms after attempt ${n}, before its retry time (${expected} ms)`);
      }
    }
    assert.ok(samples.size >= 2, `saw attempts ${[...samples.keys()].join(', ')}`);
    assert.equal(await served(), issued.serial);

    // For alerting: the metric and the daemon log.
    const metrics = await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
    const failures = Number(new RegExp(`slipway_certificate_renewal_failures\\{host="${HOST}"\\} (\\d+)`).exec(metrics)?.[1]);
    assert.ok(failures >= 4, metrics);
    assert.match(metrics, new RegExp(`slipway_certificate_expiry_seconds\\{host="${HOST}"\\}`));
    const log = await readFile(join(p.stateDir, 'logs', 'daemon.log'), 'utf8');
    assert.match(log, new RegExp(`certificate-failed hosts=${HOST} code=SLW_CERT_ACME_FAILED failures=1 retryAt=`));
    assert.doesNotMatch(log, /PRIVATE KEY/);

    // Back up, but rate-limiting new orders: the CA's Retry-After (20 s) beats the backoff (at most 8 s).
    front.mode = { kind: 'rate-limit', retryAfterS: RETRY_AFTER_S };
    await front.up();
    const limited = await waitFor('a rate-limited attempt', async () => {
      const c = await list();
      return /rate limited/.test(c.lastError ?? '') ? c : undefined;
    }, 30_000);
    assert.match(limited.lastError ?? '', /too many new orders recently/);
    const pause = Date.parse(limited.retryAt ?? '') - Date.parse(limited.lastErrorAt ?? '');
    assert.ok(pause >= RETRY_AFTER_S * 1000 - 1000 && pause <= RETRY_AFTER_S * 1000 + 50, `pause after the 429: ${pause} ms`);
    await new Promise((r) => setTimeout(r, 3000));
    const still = await list();
    assert.equal(still.failures, limited.failures, 'no attempt while the Retry-After runs');
    assert.equal(await served(), issued.serial);

    // The CA lets orders through again: a renewal succeeds, the new serial is served, the failure clears.
    front.mode = { kind: 'pass' };
    const ok = await cli(p, ['certs', 'renew', HOST, '--json']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const renewed = ok.json.certs[0] as Listed;
    assert.notEqual(renewed.serial, issued.serial);
    assert.equal(renewed.failures, 0);
    assert.equal(renewed.lastError, undefined);
    await waitFor('the renewed certificate served', async () => (await served()) === renewed.serial || undefined, 10_000);
    const after = await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
    assert.match(after, new RegExp(`slipway_certificate_renewal_failures\\{host="${HOST}"\\} 0`));
    assert.equal((await cli(p, ['stop'])).code, 0);
  } finally {
    await destroyProject(p);
    await front.close();
    await pebble.stop();
  }
});
