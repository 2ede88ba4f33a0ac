// Issue 3 through the daemon: ACME Renewal Information (RFC 9773). pebble 2.4.0 has no
// renewalInfo endpoint, so a real HTTPS front in the test adds one to its directory. The daemon
// asks about the live certificate by its id (AKI keyIdentifier . serial), renews at a point
// inside the suggested window, not before, polls again only after Retry-After, and names the
// old certificate in `replaces` on the new order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/lib/free-port.js';
import { startPebble } from '../helpers/pebble.js';
import { startAcmeFront } from '../helpers/acme-front.js';
import { cli, destroyProject, makeProject, serviceYaml, setVersion, waitFor } from '../helpers/e2e-project.js';

const HOST = 'ari.example.com';
const DAY = 86_400_000;

/** The RFC 9773 id computed here independently: openssl's AKI keyid and the serial's DER content. */
function expectedCertId(leafPem: string): string {
  const text = spawnSync('openssl', ['x509', '-noout', '-ext', 'authorityKeyIdentifier'], { input: leafPem, encoding: 'utf8' }).stdout;
  const keyId = /([0-9A-F]{2}(?::[0-9A-F]{2})+)/i.exec(text)?.[1]?.replace(/:/g, '') ?? '';
  const hex = new X509Certificate(leafPem).serialNumber;
  let serial = Buffer.from(hex.length % 2 === 1 ? `0${hex}` : hex, 'hex');
  while (serial.length > 1 && serial[0] === 0 && (serial[1] ?? 0) < 0x80) serial = serial.subarray(1);
  if ((serial[0] ?? 0) >= 0x80) serial = Buffer.concat([Buffer.from([0]), serial]);
  return `${Buffer.from(keyId, 'hex').toString('base64url')}.${serial.toString('base64url')}`;
}

function servedLeaf(port: number): Promise<{ serial: string; pem: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: HOST, rejectUnauthorized: false }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.destroy();
      resolve({ serial: cert?.serialNumber.toLowerCase() ?? '', pem: cert?.toString() ?? '' });
    });
    socket.on('error', reject);
  });
}

test('ARI: renewalInfo polled by certificate id, Retry-After honoured, renewal inside the window with replaces', { timeout: 150_000 }, async () => {
  const p = await makeProject();
  const httpsPort = await freePort();
  const pebble = await startPebble({ httpPort: p.port, tlsPort: httpsPort });
  const front = await startAcmeFront(pebble.directoryUrl, pebble.caBundle);
  const window = { start: new Date(Date.now() + 30 * DAY), end: new Date(Date.now() + 31 * DAY) };
  /** The certificate the CA wants replaced now, and the window it says so with. */
  let urgent: { id: string; start: Date; end: Date } | undefined;
  const polls: Array<{ id: string; at: number }> = [];
  front.directoryExtra = { renewalInfo: '/renewal-info' };
  front.hook = (req, res) => {
    const m = /^\/renewal-info\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(req.url ?? '');
    if (req.method !== 'GET' || !m) return false;
    polls.push({ id: m[1] ?? '', at: Date.now() });
    const w = urgent && urgent.id === m[1] ? urgent : window;
    const body = JSON.stringify({ suggestedWindow: { start: w.start.toISOString(), end: w.end.toISOString() } });
    res.writeHead(200, { 'content-type': 'application/json', 'retry-after': '2', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return true;
  };
  try {
    await writeFile(join(p.dir, 'acme-ca.pem'), pebble.caBundle + front.caPem);
    const service = serviceYaml('web', { instances: 1 }, HOST).replace(`      - host: ${HOST}\n`, `      - host: ${HOST}\n        tls: auto\n`);
    await writeFile(
      p.configFile,
      `version: 1\ntls:\n  acme:\n    email: ops@example.com\n    directory: ${front.directoryUrl}\n    caBundle: ./acme-ca.pem\n` +
        `proxy:\n  http: ${p.port}\n  https: ${httpsPort}\n  host: 127.0.0.1\nservices:\n${service}`,
    );
    await setVersion(p, 'v1');
    assert.equal((await cli(p, ['daemon', '--detach'], { SLIPWAY_TEST_ACME_FAST: '1', SLIPWAY_TEST_CERT_TIMING: 'check=300,ariPoll=200' })).code, 0);
    const deploy = await cli(p, ['deploy']);
    assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);
    const list = async (): Promise<{ serial?: string; nextRenewal?: string; notAfter?: string; ariWindow?: { start: string; end: string } }> =>
      (await cli(p, ['certs', 'list', '--json'])).json.certs[0];
    const first = await waitFor('a certificate with its ARI window', async () => {
      const c = await list();
      return c?.serial && c.ariWindow ? c : undefined;
    }, 60_000);
    assert.equal(front.orders.length, 1);
    assert.equal(front.orders[0]?.['replaces'], undefined, 'a first issuance replaces nothing');
    const leaf = await waitFor('the certificate served', async () => {
      const l = await servedLeaf(httpsPort).catch(() => undefined);
      return l?.serial === first.serial ? l : undefined;
    }, 10_000);
    const id = expectedCertId(leaf.pem);
    assert.equal(polls[0]?.id, id, 'renewalInfo is asked by the RFC 9773 certificate id');
    assert.deepEqual(first.ariWindow, { start: window.start.toISOString(), end: window.end.toISOString() });
    const next = Date.parse(first.nextRenewal ?? '');
    assert.ok(next >= window.start.getTime() && next <= window.end.getTime(), `next renewal ${first.nextRenewal} inside the suggested window`);

    // Retry-After: 2 s between polls of the same certificate, although the loop looks every 300 ms.
    await sleep(7000);
    const mine = polls.filter((q) => q.id === id);
    assert.ok(mine.length >= 3 && mine.length <= 5, `${mine.length} polls in about 7 s`);
    for (let i = 1; i < mine.length; i++) {
      const gap = (mine[i]?.at ?? 0) - (mine[i - 1]?.at ?? 0);
      assert.ok(gap >= 1900, `poll ${i} came ${gap} ms after the previous one`);
    }
    assert.equal((await list()).serial, first.serial, 'not renewed before the window');

    // The CA moves the window to now: the next poll picks a point in it, the renewal names the old certificate.
    urgent = { id, start: new Date(Date.now() - 60_000), end: new Date(Date.now() + 1000) };
    const renewed = await waitFor('a renewal inside the new window', async () => {
      const c = await list();
      return c?.serial && c.serial !== first.serial ? c : undefined;
    }, 30_000);
    assert.equal(front.orders.length, 2);
    assert.equal(front.orders[1]?.['replaces'], id, 'the new order carries replaces: <old certificate id>');
    await waitFor('the renewed certificate served', async () => (await servedLeaf(httpsPort)).serial === renewed.serial || undefined, 10_000);
    const newId = expectedCertId((await servedLeaf(httpsPort)).pem);
    await waitFor('the new certificate asked about by its own id', () => (polls.some((q) => q.id === newId) ? true : undefined), 10_000);
    assert.equal((await cli(p, ['stop'])).code, 0);
  } finally {
    await destroyProject(p);
    await front.close();
    await pebble.stop();
  }
});
