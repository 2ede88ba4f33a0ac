import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkServerIdentity, connect } from 'node:tls';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAccountKey, orderCertificate, type AcmeDirectory, type ChallengePublisher } from '../../src/certs/acme-adapter.js';
import { CertStore } from '../../src/certs/cert-store.js';
import { backoffMs, renewalAt } from '../../src/certs/renewal-policy.js';
import { SlipwayError } from '../../src/errors.js';
import type { TlsEntry } from '../../src/proxy/protocol.js';
import { startPebble, type Pebble } from '../helpers/pebble.js';
import { makeTable, startTestProxy, startUpstream, type TestProxy, type Upstream } from '../helpers/proxy-fixtures.js';

const HOSTS = ['app.example.com', 'www.app.example.com'];
let dir: string;
let proxy: TestProxy;
let upstream: Upstream;
let pebble: Pebble;
let httpPort = 0;
let httpsPort = 0;
let version = 0;
let tls: TlsEntry[] = [];
const challenges = new Map<string, string>();

async function push(): Promise<void> {
  const table = makeTable(++version, { web: { targets: [{ id: 'a', release: 'r1', port: upstream.port }] } });
  const ack = await proxy.client.putTable({ ...table, listen: { host: '127.0.0.1', http: httpPort, https: httpsPort }, tls, challenges: Object.fromEntries(challenges) });
  httpPort = ack.httpPort;
  httpsPort = ack.httpsPort ?? 0;
}

/** HTTP-01 answers go to the proxy in the table, as the daemon does. */
const publisher: ChallengePublisher = {
  async publish(token, keyAuthorization) {
    challenges.set(token, keyAuthorization);
    await push();
  },
  async withdraw(token) {
    challenges.delete(token);
    await push();
  },
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-acme-'));
  upstream = await startUpstream('app');
  proxy = await startTestProxy();
  await push();
  pebble = await startPebble({ httpPort });
});
after(async () => {
  await pebble?.stop();
  await proxy?.stop();
  await upstream?.close();
  await rm(dir, { recursive: true, force: true });
});

function servedSerial(root: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: httpsPort, servername: HOSTS[0], ca: root, checkServerIdentity: (_h, c) => checkServerIdentity(HOSTS[0]!, c) }, () => {
      const serial = socket.getPeerX509Certificate()?.serialNumber.toLowerCase() ?? '';
      socket.destroy();
      resolve(serial);
    });
    socket.on('error', reject);
  });
}

test('pebble issues through HTTP-01 answered by the proxy; renewal swaps the served certificate; a CA outage keeps the old one', async () => {
  const directory: AcmeDirectory = { url: pebble.directoryUrl, email: 'ops@example.com', caBundle: pebble.caBundle };
  const accountKey = await createAccountKey();
  const store = new CertStore(join(dir, 'certs'));
  const order = { accountKey, retries: 1, pollMinMs: 200, pollMaxMs: 1000 };

  const first = await orderCertificate(directory, HOSTS, publisher, order);
  const stored = await store.install('app.example.com', { ...first, hosts: HOSTS, source: 'acme' });
  assert.deepEqual([...stored.summary.names].sort(), [...HOSTS].sort());
  assert.equal(challenges.size, 0, 'challenge answers are withdrawn after the order');
  httpsPort = 0;
  tls = [{ hosts: HOSTS, certFile: stored.certFile, keyFile: stored.keyFile, redirectHttp: true }];
  await push();
  const root = await pebble.issuingRoot();
  assert.equal(await servedSerial(root), stored.summary.serial, 'the served chain verifies against pebble\'s issuing root');
  const due = renewalAt(new Date(stored.summary.notBefore), new Date(stored.summary.notAfter));
  assert.ok(due > new Date(stored.summary.notBefore) && due < new Date(stored.summary.notAfter));

  // Renewal: a second order (same account), a new generation, pushed and served.
  const second = await orderCertificate(directory, HOSTS, publisher, order);
  const renewed = await store.install('app.example.com', { ...second, hosts: HOSTS, source: 'acme' });
  assert.equal(renewed.generation, 2);
  assert.notEqual(renewed.summary.serial, stored.summary.serial);
  tls = [{ hosts: HOSTS, certFile: renewed.certFile, keyFile: renewed.keyFile, redirectHttp: true }];
  await push();
  assert.equal(await servedSerial(root), renewed.summary.serial);

  // The CA goes away: the order fails with its code and the live certificate keeps serving.
  await pebble.stopPebble();
  await assert.rejects(
    orderCertificate(directory, HOSTS, publisher, order),
    (err: unknown) => err instanceof SlipwayError && err.code === 'SLW_CERT_ACME_FAILED',
  );
  assert.equal(await servedSerial(root), renewed.summary.serial);
  assert.equal((await store.live('app.example.com'))?.summary.serial, renewed.summary.serial);
});

test('renewal policy: a third of the lifetime left; backoff 1 min doubling to 6 h; Retry-After honoured', () => {
  const from = new Date('2026-01-01T00:00:00Z');
  const to = new Date('2026-04-01T00:00:00Z');
  assert.equal(renewalAt(from, to).toISOString(), new Date(to.getTime() - (to.getTime() - from.getTime()) / 3).toISOString());
  assert.equal(backoffMs(1), 60_000);
  assert.equal(backoffMs(2), 120_000);
  assert.equal(backoffMs(20), 6 * 3_600_000);
  assert.equal(backoffMs(1, 3_600_000), 3_600_000);
});
