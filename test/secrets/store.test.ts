import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SecretStore } from '../../src/secrets/store.js';
import { keyFile } from '../../src/secrets/key.js';
import { SlipwayError } from '../../src/errors.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-secrets-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const store = (stateDir: string, environ: NodeJS.ProcessEnv = {}, env = 'production') => new SecretStore({ stateDir, env, environ });

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof SlipwayError && err.code === code);
}

test('set, get, list: encrypted on disk, key file 0600 created on first use, list never shows values', async () => {
  await withDir(async (dir) => {
    const s = store(dir);
    await s.set('DATABASE_PASSWORD', 'correct horse battery staple');
    assert.equal((await s.get('DATABASE_PASSWORD')).reveal(), 'correct horse battery staple');
    const onDisk = await readFile(s.file);
    assert.ok(!onDisk.includes(Buffer.from('correct horse')), 'the value is not in the file');
    assert.equal((await stat(s.file)).mode & 0o777, 0o600);
    assert.equal((await stat(keyFile(dir))).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'secrets'))).mode & 0o777, 0o700);
    const list = await s.list();
    assert.equal(list.length, 1);
    assert.equal(list[0]?.name, 'DATABASE_PASSWORD');
    assert.equal(list[0]?.version, 1);
    assert.ok(!JSON.stringify(list).includes('horse'));
    assert.equal(String(await s.get('DATABASE_PASSWORD')), '[redacted:DATABASE_PASSWORD]');
  });
});

test('SLIPWAY_SECRETS_KEY is used instead of a key file; another key is refused with SLW_SECRETS_WRONG_KEY and nothing changes', async () => {
  await withDir(async (dir) => {
    const key = randomBytes(32).toString('hex');
    const s = store(dir, { SLIPWAY_SECRETS_KEY: key });
    await s.set('A_SECRET', 'value-one-1234');
    await assert.rejects(stat(keyFile(dir)), 'no key file when the key comes from the environment');
    const before = await readFile(s.file);
    const wrong = store(dir, { SLIPWAY_SECRETS_KEY: randomBytes(32).toString('hex') });
    await rejectsWith(wrong.list(), 'SLW_SECRETS_WRONG_KEY');
    await rejectsWith(wrong.set('OTHER', 'value-two-1234'), 'SLW_SECRETS_WRONG_KEY');
    assert.deepEqual(await readFile(s.file), before, 'the store is unchanged');
    await rejectsWith(store(dir, {}).list(), 'SLW_SECRETS_KEY_MISSING');
    await rejectsWith(store(dir, { SLIPWAY_SECRETS_KEY: 'short' }).list(), 'SLW_SECRETS_BAD_KEY');
  });
});

test('a corrupted or truncated store is refused with its code and never overwritten', async () => {
  await withDir(async (dir) => {
    const s = store(dir);
    await s.set('A_SECRET', 'value-one-1234');
    const good = await readFile(s.file);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 20] = (flipped[flipped.length - 20] ?? 0) ^ 0xff;
    await writeFile(s.file, flipped);
    await rejectsWith(s.list(), 'SLW_SECRETS_CORRUPT');
    await rejectsWith(s.set('B', 'value-two-1234'), 'SLW_SECRETS_CORRUPT');
    assert.deepEqual(await readFile(s.file), flipped);
    for (const cut of [good.length - 1, 40, 10, 3]) {
      const truncated = good.subarray(0, cut);
      await writeFile(s.file, truncated);
      await rejectsWith(s.list(), 'SLW_SECRETS_TRUNCATED');
      await rejectsWith(s.set('B', 'value-two-1234'), 'SLW_SECRETS_TRUNCATED');
      assert.deepEqual(await readFile(s.file), truncated);
    }
    await writeFile(s.file, 'not a store at all, just text');
    await rejectsWith(s.list(), 'SLW_SECRETS_CORRUPT');
  });
});

test('a store copied under another environment\'s name is refused', async () => {
  await withDir(async (dir) => {
    const prod = store(dir, {}, 'production');
    await prod.set('A_SECRET', 'value-one-1234');
    const staging = store(dir, {}, 'staging');
    await writeFile(staging.file, await readFile(prod.file));
    await rejectsWith(staging.list(), 'SLW_SECRETS_CORRUPT');
  });
});

test('rotation keeps the previous version until the next deploy succeeds', async () => {
  await withDir(async (dir) => {
    const s = store(dir);
    await s.set('TOKEN', 'first-value-1234');
    await s.markDeployed(['TOKEN']);
    await s.rotate('TOKEN', { value: 'second-value-1234' });
    let [info] = await s.list();
    assert.deepEqual(info?.versions, [1, 2]);
    assert.equal(info?.deployed, 1);
    assert.equal((await s.get('TOKEN')).reveal(), 'second-value-1234');
    const values = (await s.values()).map((v) => v.reveal());
    assert.ok(values.includes('first-value-1234') && values.includes('second-value-1234'));
    await s.rotate('TOKEN', { value: 'third-value-1234' });
    [info] = await s.list();
    assert.deepEqual(info?.versions, [1, 2, 3], 'the deployed version and the previous one are kept (at most three)');
    await s.rotate('TOKEN', { value: 'fourth-value-1234' });
    [info] = await s.list();
    assert.deepEqual(info?.versions, [1, 3, 4]);
    await s.markDeployed(['TOKEN']);
    [info] = await s.list();
    assert.deepEqual(info?.versions, [4]);
    await rejectsWith(s.rotate('NOPE', { value: 'x-value-1234' }), 'SLW_SECRETS_UNKNOWN');
  });
});

test('generate-once: a second generate is refused; rotate regenerates on purpose', async () => {
  await withDir(async (dir) => {
    const s = store(dir);
    await s.generate('JWT_SECRET', { kind: 'hex', bytes: 32 });
    const first = (await s.get('JWT_SECRET')).reveal();
    assert.match(first, /^[0-9a-f]{64}$/);
    await rejectsWith(s.generate('JWT_SECRET', { kind: 'hex', bytes: 32 }), 'SLW_SECRETS_EXISTS');
    assert.equal((await s.get('JWT_SECRET')).reveal(), first);
    await s.rotate('JWT_SECRET', { spec: { kind: 'hex', bytes: 32 } });
    assert.notEqual((await s.get('JWT_SECRET')).reveal(), first);
    await rejectsWith(s.set('bad name', 'value-1234'), 'SLW_SECRETS_BAD_NAME');
    await rejectsWith(s.set('EMPTY', ''), 'SLW_SECRETS_BAD_VALUE');
  });
});
