// DNS-01 through RFC 2136 + TSIG against a real BIND 9: records added and removed value by value,
// and each failure with its own code: a wrong key, a zone closed to updates, a server that does
// not answer, a record that never shows on the servers checked (the deadline), no nsupdate.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { SlipwayError } from '../../src/errors.js';
import { freePort } from '../../src/lib/free-port.js';
import { Rfc2136Provider } from '../../src/certs/nsupdate-adapter.js';
import { Dns01Challenges } from '../../src/certs/dns01-challenges.js';
import { challengeName } from '../../src/certs/dns01-provider.js';
import type { Dns01Spec } from '../../src/config/model.js';
import { startBind, type Bind } from '../helpers/bind.js';

let bind: Bind;
before(async () => {
  bind = await startBind();
});
after(async () => {
  await bind?.stop();
});

const provider = (over: Partial<{ secret: string; port: number; zone: string; command: string }> = {}): Rfc2136Provider =>
  new Rfc2136Provider({
    server: { host: '127.0.0.1', port: over.port ?? bind.port },
    zone: over.zone ?? bind.zone,
    key: { name: bind.keyName, algorithm: 'hmac-sha256', secret: over.secret ?? bind.keySecret },
    timeoutMs: 3000,
    ...(over.command ? { command: over.command } : {}),
  });

async function rejectsWith(work: Promise<unknown>, code: string): Promise<SlipwayError> {
  const err = await work.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof SlipwayError, `expected ${code}, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  return err;
}

test('present adds the TXT value, a second value at the same name stays apart, cleanup removes exactly one', async () => {
  const p = provider();
  const name = challengeName(`*.apps.${bind.zone}`);
  assert.equal(name, `_acme-challenge.apps.${bind.zone}`);
  await p.present({ name, value: 'first-value_1' });
  await p.present({ name, value: 'second-value_2' });
  assert.deepEqual((await bind.txt(name)).sort(), ['first-value_1', 'second-value_2']);
  await p.cleanup({ name, value: 'first-value_1' });
  assert.deepEqual(await bind.txt(name), ['second-value_2']);
  await p.cleanup({ name, value: 'second-value_2' });
  assert.deepEqual(await bind.txt(name), []);
  await p.cleanup({ name, value: 'second-value_2' }); // already gone: not an error
});

test('without a zone, the server finds it from the record name', async () => {
  const p = new Rfc2136Provider({ server: { host: '127.0.0.1', port: bind.port }, key: { name: bind.keyName, algorithm: 'hmac-sha256', secret: bind.keySecret }, timeoutMs: 3000 });
  const name = `_acme-challenge.deep.sub.${bind.zone}`;
  await p.present({ name, value: 'found-the-zone' });
  assert.deepEqual(await bind.txt(name), ['found-the-zone']);
  await p.cleanup({ name, value: 'found-the-zone' });
  assert.deepEqual(await bind.txt(name), []);
});

test('a wrong TSIG key is SLW_CERT_DNS_BAD_CREDENTIALS, and the key is in no message', async () => {
  const wrong = Buffer.alloc(32, 7).toString('base64');
  const err = await rejectsWith(provider({ secret: wrong }).present({ name: `_acme-challenge.x.${bind.zone}`, value: 'v' }), 'SLW_CERT_DNS_BAD_CREDENTIALS');
  assert.match(err.message, /BADSIG|TSIG/);
  assert.ok(!JSON.stringify({ m: err.message, d: err.details }).includes(wrong));
  assert.ok(!JSON.stringify({ m: err.message, d: err.details }).includes(bind.keySecret));
  assert.deepEqual(await bind.txt(`_acme-challenge.x.${bind.zone}`), []);
  // Not base64 at all: refused before anything is sent.
  await rejectsWith(provider({ secret: 'not base64 at all!' }).present({ name: `_acme-challenge.x.${bind.zone}`, value: 'v' }), 'SLW_CERT_DNS_BAD_CREDENTIALS');
});

test('a zone closed to updates is SLW_CERT_DNS_REFUSED with the server\'s answer', async () => {
  const err = await rejectsWith(provider({ zone: bind.locked }).present({ name: `_acme-challenge.www.${bind.locked}`, value: 'v' }), 'SLW_CERT_DNS_REFUSED');
  assert.match(err.message, /REFUSED/);
  // A zone the server does not serve at all: NOTAUTH.
  const other = await rejectsWith(provider({ zone: 'elsewhere.test' }).present({ name: '_acme-challenge.elsewhere.test', value: 'v' }), 'SLW_CERT_DNS_REFUSED');
  assert.match(other.message, /NOTAUTH/);
});

test('no server on the port, or no nsupdate, is SLW_CERT_DNS_UNREACHABLE', async () => {
  const started = Date.now();
  await rejectsWith(provider({ port: await freePort() }).present({ name: `_acme-challenge.y.${bind.zone}`, value: 'v' }), 'SLW_CERT_DNS_UNREACHABLE');
  assert.ok(Date.now() - started < 8000);
  await rejectsWith(provider({ command: '/nonexistent/nsupdate' }).present({ name: `_acme-challenge.y.${bind.zone}`, value: 'v' }), 'SLW_CERT_DNS_UNREACHABLE');
});

test('a record the checked servers never show is SLW_CERT_DNS_NOT_VISIBLE at the deadline, and is removed again', async () => {
  // pebble-challtestsrv: a DNS server nobody here wrote, which answers for every name but never with our TXT value.
  const dnsPort = await freePort();
  const mgmt = await freePort();
  const other = spawn('pebble-challtestsrv', ['-defaultIPv4', '127.0.0.1', '-defaultIPv6', '', '-dns01', `127.0.0.1:${dnsPort}`, '-http01', '', '-https01', '', '-tlsalpn01', '', '-management', `127.0.0.1:${mgmt}`], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 500));
    const spec: Dns01Spec = {
      provider: 'rfc2136',
      server: { host: '127.0.0.1', port: bind.port },
      zone: bind.zone,
      key: { name: bind.keyName, algorithm: 'hmac-sha256', secret: 'marker' },
      checkServers: [{ host: '127.0.0.1', port: dnsPort }],
      propagationTimeoutMs: 1500,
    };
    const reads: string[] = [];
    const challenges = new Dns01Challenges(spec, { readSecret: async (ref) => (reads.push(ref), bind.keySecret), pollMs: 200 });
    const started = Date.now();
    const err = await rejectsWith(challenges.present(`*.never.${bind.zone}`, 'never-shown'), 'SLW_CERT_DNS_NOT_VISIBLE');
    const took = Date.now() - started;
    assert.ok(took >= 1400 && took < 6000, `gave up after ${took} ms`);
    assert.deepEqual(err.details?.['servers'], [`127.0.0.1:${dnsPort}`]);
    assert.deepEqual(await bind.txt(`_acme-challenge.never.${bind.zone}`), [], 'removed again from the zone');
    assert.deepEqual(reads, ['marker'], 'the key was read through the secret reader');

    // Checked on the update server itself (the default), the same record shows at once.
    const ok = new Dns01Challenges({ ...spec, checkServers: [spec.server] }, { readSecret: async () => bind.keySecret, pollMs: 100 });
    await ok.present(`*.never.${bind.zone}`, 'shown');
    assert.deepEqual(await bind.txt(`_acme-challenge.never.${bind.zone}`), ['shown']);
    await ok.cleanup(`*.never.${bind.zone}`, 'shown');
    assert.deepEqual(await bind.txt(`_acme-challenge.never.${bind.zone}`), []);
  } finally {
    if (other.pid !== undefined && other.exitCode === null) process.kill(other.pid, 'SIGTERM');
  }
});

test('a secret that cannot be read is SLW_CERT_DNS_BAD_CREDENTIALS naming the field, not a value', async () => {
  const spec: Dns01Spec = {
    provider: 'rfc2136',
    server: { host: '127.0.0.1', port: bind.port },
    zone: bind.zone,
    key: { name: bind.keyName, algorithm: 'hmac-sha256', secret: 'marker' },
    checkServers: [],
    propagationTimeoutMs: 1000,
  };
  const challenges = new Dns01Challenges(spec, { readSecret: () => Promise.reject(new SlipwayError('SLW_SECRETS_UNKNOWN', 'There is no secret TSIG_KEY.')) });
  const err = await rejectsWith(challenges.present(`a.${bind.zone}`, 'v'), 'SLW_CERT_DNS_BAD_CREDENTIALS');
  assert.match(err.message, /tls\.acme\.dns01\.key\.secret/);
  assert.equal(err.details?.['code'], 'SLW_SECRETS_UNKNOWN');
});
