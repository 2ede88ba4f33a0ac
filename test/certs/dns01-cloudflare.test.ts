// DNS-01 through Cloudflare's API, against a recorded-contract fake (test/helpers/cloudflare-fake.ts):
// the zone found by name, the TXT record created and removed value by value, and each failure
// with its code; the API token never in an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudflareDns } from '../../src/certs/cloudflare-dns.js';
import { Dns01Challenges } from '../../src/certs/dns01-challenges.js';
import { SlipwayError } from '../../src/errors.js';
import { freePort } from '../../src/lib/free-port.js';
import { startCloudflareFake } from '../helpers/cloudflare-fake.js';

async function codeOf(work: Promise<unknown>): Promise<SlipwayError> {
  const err = await work.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof SlipwayError, String(err));
  return err;
}

test('present finds the zone by name, creates the TXT record as documented; cleanup deletes exactly that value', async () => {
  const cf = await startCloudflareFake(['example.com', 'other.org']);
  try {
    const dns = new CloudflareDns({ token: cf.token, baseUrl: cf.baseUrl });
    const name = '_acme-challenge.apps.example.com';
    await dns.present({ name, value: 'value-one' });
    await dns.present({ name, value: 'value-two' });
    await dns.present({ name, value: 'value-two' }); // identical record: Cloudflare says 81058, still fine
    const zoneId = cf.zones.get('example.com');
    assert.deepEqual(cf.records.map((r) => [r.zoneId, r.type, r.name, r.content, r.ttl]), [
      [zoneId, 'TXT', name, 'value-one', 60],
      [zoneId, 'TXT', name, 'value-two', 60],
    ]);
    // apps.example.com is no zone; example.com is, and is looked up once.
    assert.deepEqual(cf.calls.filter((c) => c.startsWith('GET /client/v4/zones?')), ['GET /client/v4/zones?name=apps.example.com', 'GET /client/v4/zones?name=example.com']);
    await dns.cleanup({ name, value: 'value-one' });
    assert.deepEqual(cf.records.map((r) => r.content), ['value-two']);
    await dns.cleanup({ name, value: 'value-one' }); // already gone: not an error
    await dns.cleanup({ name, value: 'value-two' });
    assert.deepEqual(cf.records, []);
    assert.ok(cf.calls.some((c) => /^DELETE \/client\/v4\/zones\/[0-9a-f]{32}\/dns_records\/[0-9a-f]{32}$/.test(c)), cf.calls.join('\n'));
  } finally {
    await cf.close();
  }
});

test('a zone id given skips the lookup', async () => {
  const cf = await startCloudflareFake(['example.com']);
  try {
    const dns = new CloudflareDns({ token: cf.token, baseUrl: cf.baseUrl, zoneId: cf.zones.get('example.com') });
    await dns.present({ name: '_acme-challenge.example.com', value: 'v' });
    assert.equal(cf.calls.filter((c) => c.includes('/zones?')).length, 0);
    assert.equal(cf.records.length, 1);
  } finally {
    await cf.close();
  }
});

test('a token Cloudflare does not accept is SLW_CERT_DNS_BAD_CREDENTIALS; the token is in no message', async () => {
  const cf = await startCloudflareFake(['example.com']);
  try {
    const wrong = 'wrongTokenValue0123456789';
    const err = await codeOf(new CloudflareDns({ token: wrong, baseUrl: cf.baseUrl }).present({ name: '_acme-challenge.example.com', value: 'v' }));
    assert.equal(err.code, 'SLW_CERT_DNS_BAD_CREDENTIALS');
    assert.match(err.message, /HTTP 403: 10000 Authentication error/);
    assert.ok(!JSON.stringify({ m: err.message, d: err.details, h: err.hint }).includes(wrong));
    assert.equal(cf.records.length, 0);
  } finally {
    await cf.close();
  }
});

test('a refused create (quota), a name in no zone and an API that does not answer each get their code', async () => {
  const cf = await startCloudflareFake(['example.com']);
  try {
    const dns = new CloudflareDns({ token: cf.token, baseUrl: cf.baseUrl });
    cf.refuseCreates = true;
    const refused = await codeOf(dns.present({ name: '_acme-challenge.example.com', value: 'v' }));
    assert.equal(refused.code, 'SLW_CERT_DNS_REFUSED');
    assert.match(refused.message, /81045 Record quota exceeded/);
    const nozone = await codeOf(dns.present({ name: '_acme-challenge.www.elsewhere.net', value: 'v' }));
    assert.equal(nozone.code, 'SLW_CERT_DNS_REFUSED');
    assert.match(nozone.message, /No Cloudflare zone/);
  } finally {
    await cf.close();
  }
  const down = await codeOf(new CloudflareDns({ token: 'x', baseUrl: `http://127.0.0.1:${await freePort()}/client/v4` }).present({ name: '_acme-challenge.example.com', value: 'v' }));
  assert.equal(down.code, 'SLW_CERT_DNS_UNREACHABLE');
});

test('through Dns01Challenges: the token read from the secret reader; a record never served is removed from Cloudflare again', async () => {
  const cf = await startCloudflareFake(['example.com']);
  try {
    const challenges = new Dns01Challenges(
      // Nothing answers DNS on this port: the record never shows there.
      { provider: 'cloudflare', apiToken: 'marker', zoneId: undefined, checkServers: [{ host: '127.0.0.1', port: await freePort() }], propagationTimeoutMs: 600 },
      { readSecret: async (ref) => (ref === 'marker' ? cf.token : ''), cloudflareApi: cf.baseUrl, pollMs: 100 },
    );
    const err = await codeOf(challenges.present('*.example.com', 'never-served'));
    assert.equal(err.code, 'SLW_CERT_DNS_NOT_VISIBLE');
    assert.equal(cf.records.length, 0, 'removed again');
    assert.ok(cf.calls.some((c) => c.startsWith('POST ')) && cf.calls.some((c) => c.startsWith('DELETE ')), cf.calls.join('\n'));
  } finally {
    await cf.close();
  }
});
