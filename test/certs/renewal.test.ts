import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fetchRenewalInfo, pointInWindow, renewalInfoUrl } from '../../src/certs/ari.js';
import { challengeTypes } from '../../src/certs/acme-orders.js';
import { backoffMs, nextCheckMs, parseRetryAfter } from '../../src/certs/renewal-policy.js';
import { ariCertId, createRootCa, signLeaf } from '../../src/certs/x509-adapter.js';

test('backoff bounds are injectable; Retry-After in seconds or as a date', () => {
  const fast = { minMs: 1000, maxMs: 8000 };
  assert.deepEqual([1, 2, 3, 4, 5, 9].map((n) => backoffMs(n, undefined, fast)), [1000, 2000, 4000, 8000, 8000, 8000]);
  assert.equal(backoffMs(2, 20_000, fast), 20_000);
  assert.equal(backoffMs(9), 256 * 60_000);
  assert.equal(backoffMs(10), 6 * 3_600_000);
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('120', now), 120_000);
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:05:00 GMT', now), 300_000);
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
  assert.equal(nextCheckMs(() => 0, 1000), 900);
  assert.equal(nextCheckMs(() => 1, 1000), 1100);
});

test('challenge choice: fixed types, and auto swapping its preference after each failure', () => {
  assert.deepEqual(challengeTypes('http-01', 3), ['http-01']);
  assert.deepEqual(challengeTypes('tls-alpn-01', 0), ['tls-alpn-01']);
  assert.deepEqual(challengeTypes('auto', 0), ['http-01', 'tls-alpn-01']);
  assert.deepEqual(challengeTypes('auto', 1), ['tls-alpn-01', 'http-01']);
  assert.deepEqual(challengeTypes(undefined, 2), ['http-01', 'tls-alpn-01']);
});

test('ARI certificate id: the RFC 9773 example, and a serial with its high bit set', async () => {
  // RFC 9773 appendix A.
  const example = [
    '-----BEGIN CERTIFICATE-----',
    'MIIBQzCB66ADAgECAgUAh2VDITAKBggqhkjOPQQDAjAVMRMwEQYDVQQDEwpFeGFt',
    'cGxlIENBMCIYDzAwMDEwMTAxMDAwMDAwWhgPMDAwMTAxMDEwMDAwMDBaMBYxFDAS',
    'BgNVBAMTC2V4YW1wbGUuY29tMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEeBZu',
    '7cbpAYNXZLbbh8rNIzuOoqOOtmxA1v7cRm//AwyMwWxyHz4zfwmBhcSrf47NUAFf',
    'qzLQ2PPQxdTXREYEnKMjMCEwHwYDVR0jBBgwFoAUaYhba4dGQEHhs3uEe6CuLN4B',
    'yNQwCgYIKoZIzj0EAwIDRwAwRAIge09+S5TZAlw5tgtiVvuERV6cT4mfutXIlwTb',
    '+FYN/8oCIClDsqBklhB9KAelFiYt9+6FDj3z4KGVelYM5MdsO3pK',
    '-----END CERTIFICATE-----',
  ].join('\n');
  assert.equal(ariCertId(example), 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE');
  const ca = await createRootCa('ari test CA', 1);
  const leaf = await signLeaf(ca, ['a.example.com']);
  const [keyId, serial] = (ariCertId(leaf.certPem) ?? '').split('.');
  assert.equal(Buffer.from(keyId ?? '', 'base64url').length, 20, 'SHA-1 key identifier');
  assert.ok((Buffer.from(serial ?? '', 'base64url')[0] ?? 0xff) < 0x80, 'a DER INTEGER content is never negative');
  assert.equal(ariCertId(ca.certPem), undefined, 'a root without an AKI has no id');
});

test('renewalInfo: URL from the directory, window and Retry-After read, poll time clamped; a point inside the window', async () => {
  const ca = await createRootCa('ari server CA', 1);
  const leaf = await signLeaf(ca, ['localhost']);
  let retryAfter = '30';
  const server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    const origin = `https://localhost:${(server.address() as AddressInfo).port}`;
    if (req.url === '/dir') return void res.end(JSON.stringify({ newOrder: `${origin}/order`, renewalInfo: `${origin}/ri` }));
    if (req.url === '/plain') return void res.end(JSON.stringify({ newOrder: `${origin}/order` }));
    res.writeHead(req.url === '/ri/abc.def' ? 200 : 404, { 'retry-after': retryAfter });
    res.end(JSON.stringify({ suggestedWindow: { start: '2026-03-01T00:00:00Z', end: '2026-03-03T00:00:00Z' } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const origin = `https://localhost:${(server.address() as AddressInfo).port}`;
    const url = await renewalInfoUrl(`${origin}/dir`, ca.certPem);
    assert.equal(url, `${origin}/ri`);
    assert.equal(await renewalInfoUrl(`${origin}/plain`, ca.certPem), undefined);
    const info = await fetchRenewalInfo(url ?? '', 'abc.def', ca.certPem, 60_000, Date.now());
    assert.deepEqual(info.window, { start: Date.parse('2026-03-01T00:00:00Z'), end: Date.parse('2026-03-03T00:00:00Z') });
    assert.equal(info.pollAfterMs, 60_000, 'Retry-After below the floor is raised to it');
    retryAfter = '7200';
    assert.equal((await fetchRenewalInfo(url ?? '', 'abc.def', ca.certPem, 60_000, Date.now())).pollAfterMs, 7_200_000);
    await assert.rejects(fetchRenewalInfo(url ?? '', 'other.id', ca.certPem, 60_000, Date.now()), /404/);
    assert.equal(pointInWindow(info.window, () => 0), info.window.start);
    assert.equal(pointInWindow(info.window, () => 1), info.window.end);
    const p = pointInWindow(info.window);
    assert.ok(p >= info.window.start && p <= info.window.end);
  } finally {
    server.close();
  }
});
