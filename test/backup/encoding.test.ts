import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PassThrough, Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateBackupKey } from '../../src/backup/age-adapter.js';
import { ageDecryptProcess, hasAgeCli } from '../../src/backup/age-cli.js';
import { decodeStages, encodeStages, type Encoding } from '../../src/backup/encoding.js';
import { runFlow } from '../../src/backup/flow.js';
import type { Codec } from '../../src/backup/compression.js';
import { SlipwayError } from '../../src/errors.js';

const env = process.env;
const skip = hasAgeCli(env) ? false : 'the age program is not installed';

/** Half compressible text, half random bytes: several 64 KiB age chunks. */
const plain = Buffer.concat([Buffer.from('slipway '.repeat(40_000)), randomBytes(300_000)]);

/** Runs `input` through the stages `build` makes, as a backup or a read-back does. */
async function through(input: Buffer, build: () => Encoding): Promise<Buffer> {
  const parts: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      parts.push(chunk);
      callback();
    },
  });
  await runFlow(undefined, () => {
    const stages = build();
    return { streams: [Readable.from([input]), ...stages.streams, new PassThrough(), sink], children: stages.children };
  });
  return Buffer.concat(parts);
}

const fifoDirs = (): string[] => readdirSync(tmpdir()).filter((name) => name.startsWith('slipway-key-'));

for (const codec of ['zstd', 'gzip'] as Codec[]) {
  test(`${codec}: the age program and the library read each other's files`, { skip }, async () => {
    const key = await generateBackupKey();
    for (const [writer, reader] of [
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const sealed = await through(plain, () => encodeStages({ codec, recipient: key.recipient, env, ageCli: writer }));
      assert.equal(sealed.subarray(0, 21).toString(), 'age-encryption.org/v1', 'a standard age file');
      const opened = await through(sealed, () => decodeStages({ codec, identity: key.identity, env, ageCli: reader }));
      assert.ok(opened.equals(plain), `written by ${writer ? 'age' : 'the library'}, read by ${reader ? 'age' : 'the library'}`);
    }
  });
}

test('the age program: a wrong key and a flipped byte fail with their own codes, and no key pipe is left behind', { skip }, async () => {
  const before = fifoDirs().length;
  const key = await generateBackupKey();
  const other = await generateBackupKey();
  const sealed = await through(plain, () => encodeStages({ codec: 'zstd', recipient: key.recipient, env, ageCli: true }));
  await assert.rejects(
    through(sealed, () => decodeStages({ codec: 'zstd', identity: other.identity, env, ageCli: true })),
    (err: SlipwayError) => err.code === 'SLW_BACKUP_KEY_MISMATCH' && !err.message.includes(other.identity),
  );
  const flipped = Buffer.from(sealed);
  const at = Math.floor(flipped.length / 2);
  flipped[at] = flipped[at]! ^ 0xff;
  await assert.rejects(through(flipped, () => decodeStages({ codec: 'zstd', identity: key.identity, env, ageCli: true })), { code: 'SLW_BACKUP_CORRUPT' });
  await sleep(100);
  assert.equal(fifoDirs().length, before, 'every key pipe was removed');
});

test('the identity never appears in the age program’s argv', { skip }, async () => {
  const key = await generateBackupKey();
  const { argv, options } = ageDecryptProcess(key.identity, env);
  assert.ok(!argv.join(' ').includes(key.identity));
  assert.ok(!JSON.stringify(options.env ?? {}).includes(key.identity));
  const before = fifoDirs().length;
  options.onSpawn?.(Promise.reject(new Error('never started'))); // the pipe is still cleaned up
  await sleep(100);
  assert.equal(fifoDirs().length, before - 1);
});
