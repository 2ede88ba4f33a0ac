import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, createSign, createVerify } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBackupKey } from '../../src/backup/age-adapter.js';
import { generate } from '../../src/secrets/generate.js';
import { parseGenerator } from '../../src/secrets/generator-schema.js';
import { CLI } from '../helpers/e2e-project.js';
import { SlipwayError } from '../../src/errors.js';
import { hashPassword, verifyPassword } from '../../src/secrets/password-hash.js';

test('hex, base64url, uuid and password have the asked shape and differ each time', async () => {
  const hex = await generate({ kind: 'hex', bytes: 16 });
  assert.match(String(hex), /^[0-9a-f]{32}$/);
  assert.notEqual(await generate({ kind: 'hex', bytes: 16 }), hex);
  assert.match(String(await generate({ kind: 'base64url', bytes: 48 })), /^[A-Za-z0-9_-]{64}$/);
  assert.match(String(await generate({ kind: 'uuid' })), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const pw = String(await generate({ kind: 'password', length: 40, alphabet: 'abcdefghij' }));
  assert.match(pw, /^[a-j]{40}$/);
  assert.equal(String(await generate({ kind: 'password', length: 20 })).length, 20);
});

test('rsa and ec pairs are PEM and sign/verify', async () => {
  for (const spec of [{ kind: 'rsa' as const, bits: 2048 }, { kind: 'ec' as const, curve: 'P-256' as const }]) {
    const pair = (await generate(spec)) as Record<string, string>;
    assert.match(pair['privateKey'] ?? '', /^-----BEGIN PRIVATE KEY-----/);
    assert.match(pair['publicKey'] ?? '', /^-----BEGIN PUBLIC KEY-----/);
    const sig = createSign('sha256').update('x').sign(createPrivateKey(pair['privateKey'] ?? ''));
    assert.ok(createVerify('sha256').update('x').verify(createPublicKey(pair['publicKey'] ?? ''), sig));
  }
});

test('vapid: P-256, public key 65 bytes uncompressed, private key 32 bytes, base64url; they belong together', async () => {
  const pair = (await generate({ kind: 'vapid' })) as Record<string, string>;
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

test('age: an X25519 identity whose recipient the age tool encrypts to and the identity decrypts; the CLI prints only the recipient', async () => {
  const identity = String(await generate({ kind: 'age' }));
  assert.match(identity, /^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
  assert.notEqual(String(await generate({ kind: 'age' })), identity);
  const { recipient } = await parseBackupKey(identity);
  const dir = await mkdtemp(join(tmpdir(), 'slipway-age-'));
  try {
    // The real age tool (Debian's): what slipway makes is a key it understands both ways.
    await writeFile(join(dir, 'key.txt'), `${identity}\n`, { mode: 0o600 });
    const sealed = await run('age', ['-r', recipient], 'a backup, in short');
    const opened = await run('age', ['-d', '-i', join(dir, 'key.txt')], sealed);
    assert.equal(opened.toString(), 'a backup, in short');

    const config = join(dir, 'slipway.yaml');
    await writeFile(config, 'version: 1\nservices: {}\n');
    const out = await run(process.execPath, [CLI, 'secrets', 'generate', 'BACKUP_KEY', '--kind', 'age', '--json', '--config', config, '--state-dir', join(dir, 'state')], '');
    const body = JSON.parse(out.toString().trim());
    assert.match(body.recipient, /^age1[0-9a-z]{58}$/);
    assert.equal(body.secret.generator, 'age');
    assert.doesNotMatch(out.toString(), /AGE-SECRET-KEY/, 'the identity is never printed');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

function run(file: string, args: readonly string[], input: string | Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, [...args], { encoding: 'buffer' }, (err, stdout, stderr) => (err ? reject(new Error(`${file} ${args.join(' ')}: ${stderr.toString()}`)) : resolve(stdout)));
    child.stdin?.end(input);
  });
}
