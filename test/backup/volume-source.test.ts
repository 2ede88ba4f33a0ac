// VolumeSource (a volume read while its app writes): a file rewritten in place during the read
// is read again until a read saw no change, so the staged copy is whole; one that never stops
// changing fails the backup (SLW_BACKUP_SOURCE_FAILED), leaving no staged files; a missing
// volume directory is SLW_BACKUP_SOURCE_INVALID with a hint. Real files, real tar.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VolumeSource } from '../../src/backup/volume-source.js';
import { SlipwayError } from '../../src/errors.js';

async function drain(source: VolumeSource): Promise<Buffer> {
  const run = await source.open(new AbortController().signal);
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of run.stream) chunks.push(chunk as Buffer);
  } finally {
    await run.cleanup();
  }
  return Buffer.concat(chunks);
}

/** Rewrites `file` in place, block by block, with one byte value per pass, until stopped (at the end of a pass). */
function inPlaceWriter(file: string, size: number): { stop: () => Promise<void> } {
  let running = true;
  const done = (async () => {
    const handle = await open(file, 'r+');
    try {
      for (let pass = 0; running; pass++) {
        const block = Buffer.alloc(64 * 1024, pass % 250);
        for (let at = 0; at < size; at += block.length) {
          await handle.write(block, 0, block.length, at);
          await new Promise((r) => setImmediate(r));
        }
      }
    } finally {
      await handle.close();
    }
  })();
  return { stop: async () => { running = false; await done; } };
}

test('a file rewritten in place while read is read again; the staged copy is whole (one pass), and the staging is removed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-volsrc-'));
  try {
    const volume = join(dir, 'volume');
    await mkdir(join(volume, 'sub'), { recursive: true });
    const size = 4 * 1024 * 1024;
    await writeFile(join(volume, 'big.bin'), Buffer.alloc(size, 0));
    await writeFile(join(volume, 'sub', 'note.txt'), 'hello');
    const scratch = join(dir, 'scratch');
    const writer = inPlaceWriter(join(volume, 'big.bin'), size);
    // The writer stops after a while: the reads that overlap it are retried until one does not.
    setTimeout(() => void writer.stop(), 150);
    const tar = await drain(new VolumeSource({ name: 'files', volume: 'uploads', path: volume, scratchDir: scratch, attempts: 40 }));
    await writer.stop();
    const out = join(dir, 'out');
    await mkdir(out);
    execFileSync('tar', ['--extract', '--file=-', `--directory=${out}`], { input: tar });
    const copy = await readFile(join(out, 'big.bin'));
    assert.equal(copy.length, size);
    assert.equal(new Set(copy).size, 1, 'every byte from one pass of the writer: the copy is not torn');
    assert.deepEqual(copy, await readFile(join(volume, 'big.bin')), 'the last pass');
    assert.equal(await readFile(join(out, 'sub', 'note.txt'), 'utf8'), 'hello');
    assert.deepEqual(await readdir(scratch), [], 'the staged copy is removed');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a file that never stops changing fails the backup with SLW_BACKUP_SOURCE_FAILED and leaves nothing staged; a missing volume is SLW_BACKUP_SOURCE_INVALID', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-volsrc-'));
  try {
    const volume = join(dir, 'volume');
    await mkdir(volume);
    const size = 4 * 1024 * 1024;
    await writeFile(join(volume, 'big.bin'), Buffer.alloc(size, 0));
    const scratch = join(dir, 'scratch');
    const writer = inPlaceWriter(join(volume, 'big.bin'), size);
    try {
      await assert.rejects(drain(new VolumeSource({ name: 'files', volume: 'uploads', path: volume, scratchDir: scratch, attempts: 3 })), (err: unknown) => {
        assert.ok(err instanceof SlipwayError);
        assert.equal(err.code, 'SLW_BACKUP_SOURCE_FAILED');
        assert.match(err.message, /big\.bin in volume uploads changed every time it was read \(3 reads\)/);
        return true;
      });
    } finally {
      await writer.stop();
    }
    assert.deepEqual(await readdir(scratch), []);
    await assert.rejects(drain(new VolumeSource({ name: 'files', volume: 'nope', path: join(dir, 'missing'), scratchDir: scratch })), (err: unknown) => err instanceof SlipwayError && err.code === 'SLW_BACKUP_SOURCE_INVALID' && /deploy that service/.test(err.hint));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
