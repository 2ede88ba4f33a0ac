import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, createSign, createVerify } from 'node:crypto';
import { generate, parseGenerator } from '../../src/secrets/generate.js';
import { SlipwayError } from '../../src/errors.js';
import { hashPassword, verifyPassword } from '../../src/secrets/password-hash.js';

test('hex, base64url, uuid and password have the asked shape and differ each time', () => {
  const hex = generate({ kind: 'hex', bytes: 16 });
  assert.match(String(hex), /^[0-9a-f]{32}$/);
  assert.notEqual(generate({ kind: 'hex', bytes: 16 }), hex);
  assert.match(String(generate({ kind: 'base64url', bytes: 48 })), /^[A-Za-z0-9_-]{64}$/);
  assert.match(String(generate({ kind: 'uuid' })), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const pw = String(generate({ kind: 'password', length: 40, alphabet: 'abcdefghij' }));
  assert.match(pw, /^[a-j]{40}$/);
  assert.equal(String(generate({ kind: 'password', length: 20 })).length, 20);
});

test('rsa and ec pairs are PEM and sign/verify', () => {
  for (const spec of [{ kind: 'rsa' as const, bits: 2048 }, { kind: 'ec' as const, curve: 'P-256' as const }]) {
    const pair = generate(spec) as Record<string, string>;
    assert.match(pair['privateKey'] ?? '', /^-----BEGIN PRIVATE KEY-----/);
    assert.match(pair['publicKey'] ?? '', /^-----BEGIN PUBLIC KEY-----/);
    const sig = createSign('sha256').update('x').sign(createPrivateKey(pair['privateKey'] ?? ''));
    assert.ok(createVerify('sha256').update('x').verify(createPublicKey(pair['publicKey'] ?? ''), sig));
  }
});

test('vapid: P-256, public key 65 bytes uncompressed, private key 32 bytes, base64url; they belong together', () => {
  const pair = generate({ kind: 'vapid' }) as Record<string, string>;
  const pub = Buffer.from(pair['publicKey'] ?? '', 'base64url');
  const priv = Buffer.from(pair['privateKey'] ?? '', 'base64url');
  assert.equal(pub.length, 65);
  assert.equal(pub[0], 4);
  assert.equal(priv.length, 32);
  assert.match(pair['publicKey'] ?? '', /^[A-Za-z0-9_-]+$/);
  const key = createPrivateKey({
    format: 'jwk',
    key: { kty: 'EC', crv: 'P-256', d: pair['privateKey'], x: pub.subarray(1, 33).toString('base64url'), y: pub.subarray(33).toString('base64url') },
  });
  const sig = createSign('sha256').update('push').sign(key);
  const verifier = createPublicKey({ format: 'jwk', key: { kty: 'EC', crv: 'P-256', x: pub.subarray(1, 33).toString('base64url'), y: pub.subarray(33).toString('base64url') } });
  assert.ok(createVerify('sha256').update('push').verify(verifier, sig));
});

test('bad generator parameters are refused with SLW_SECRETS_BAD_GENERATOR', () => {
  for (const bad of [{ kind: 'hex', bytes: 4 }, { kind: 'password', alphabet: 'ab' }, { kind: 'nope' }, { kind: 'ec', curve: 'P-1' }]) {
    assert.throws(() => parseGenerator(bad), (err: unknown) => err instanceof SlipwayError && err.code === 'SLW_SECRETS_BAD_GENERATOR');
  }
  assert.deepEqual(parseGenerator({ kind: 'hex' }), { kind: 'hex', bytes: 32 });
});

test('hash-password: scrypt, salted, verifies', () => {
  const a = hashPassword('hunter2 is long enough');
  assert.match(a, /^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
  assert.notEqual(hashPassword('hunter2 is long enough'), a);
  assert.ok(verifyPassword('hunter2 is long enough', a));
  assert.ok(!verifyPassword('hunter3 is long enough', a));
});
