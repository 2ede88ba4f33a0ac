// The content hash of a folder source (what `slipway plan` compares): equal to the hash of its
// snapshot whatever .gitignore and the state dir leave out; it changes with a file's content,
// its mode, a new or removed entry, a link's target; ignored and excluded paths do not count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dirContentHash } from '../../src/release/dir-snapshot.js';
import { snapshotSource } from '../../src/release/snapshot-source.js';

test('a folder\'s content hash equals its snapshot\'s, and moves with content, modes, entries and links only', async () => {
  const root = await mkdtemp(join(tmpdir(), 'slipway-hash-'));
  try {
    const src = join(root, 'app');
    const state = join(src, '.slipway');
    await mkdir(join(src, 'lib'), { recursive: true });
    await mkdir(join(state, 'releases'), { recursive: true });
    await writeFile(join(src, 'server.js'), 'console.log(1)\n');
    await writeFile(join(src, 'lib', 'a.js'), 'export const a = 1\n');
    await writeFile(join(src, '.gitignore'), 'node_modules/\n*.log\n');
    await mkdir(join(src, 'node_modules'));
    await writeFile(join(src, 'node_modules', 'x.js'), 'ignored\n');
    await writeFile(join(state, 'releases', 'big'), 'state, excluded\n');
    await symlink('lib/a.js', join(src, 'link.js'));

    const hash = () => dirContentHash(src, [state]);
    const first = await hash();
    const snap = await snapshotSource({ source: src, dest: join(root, 'r1'), exclude: [state] });
    assert.equal(snap.contentHash, first, 'the snapshot holds exactly what the hash saw');

    await writeFile(join(src, 'debug.log'), 'ignored by .gitignore\n');
    await writeFile(join(state, 'releases', 'more'), 'excluded\n');
    await writeFile(join(src, 'node_modules', 'y.js'), 'ignored\n');
    assert.equal(await hash(), first, 'ignored and excluded paths do not count');

    const changes: [string, () => Promise<void>, () => Promise<void>][] = [
      ['a content', () => writeFile(join(src, 'lib', 'a.js'), 'export const a = 2\n'), () => writeFile(join(src, 'lib', 'a.js'), 'export const a = 1\n')],
      ['a mode', () => chmod(join(src, 'server.js'), 0o755), () => chmod(join(src, 'server.js'), 0o644)],
      ['a new empty file', () => writeFile(join(src, 'lib', 'b.js'), ''), () => rm(join(src, 'lib', 'b.js'))],
      ['a new empty folder', () => mkdir(join(src, 'empty')), () => rm(join(src, 'empty'), { recursive: true })],
      ['a link target', async () => (await rm(join(src, 'link.js')), await symlink('server.js', join(src, 'link.js'))), async () => (await rm(join(src, 'link.js')), await symlink('lib/a.js', join(src, 'link.js')))],
      ['a rename', () => writeFile(join(src, 'lib', 'A.js'), 'export const a = 1\n').then(() => rm(join(src, 'lib', 'a.js'))), () => writeFile(join(src, 'lib', 'a.js'), 'export const a = 1\n').then(() => rm(join(src, 'lib', 'A.js')))],
    ];
    await chmod(join(src, 'server.js'), 0o644);
    const base = await hash();
    for (const [what, change, undo] of changes) {
      await change();
      assert.notEqual(await hash(), base, `${what} changes the hash`);
      await undo();
      assert.equal(await hash(), base, `undoing ${what} restores it`);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
