import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { snapshotSource } from '../../src/release/snapshot-source.js';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

async function write(path: string, text: string): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
}

describe('snapshotSource', () => {
  let root: string;
  let counter = 0;
  const dest = () => join(root, 'releases', `r${++counter}`);
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'slipway-snapshot-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  describe('in a git work tree', () => {
    let repo: string;
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' }).trim();
    before(async () => {
      repo = join(root, 'repo');
      await mkdir(repo);
      git('init', '-q');
      git('config', 'user.name', 'Slipway Test');
      git('config', 'user.email', 'test@slipway.invalid');
      git('config', 'commit.gpgsign', 'false');
      await write(join(repo, 'app', 'server.js'), 'console.log("v1")\n');
      await write(join(repo, 'app', 'run.sh'), '#!/bin/sh\necho run\n');
      await chmod(join(repo, 'app', 'run.sh'), 0o755);
      await write(join(repo, 'other', 'x.txt'), 'not part of app\n');
      git('add', '.');
      git('commit', '-q', '-m', 'v1');
    });

    it('takes HEAD of the source subdirectory, not uncommitted edits, and reports dirty', async () => {
      await writeFile(join(repo, 'app', 'server.js'), 'console.log("uncommitted")\n');
      await writeFile(join(repo, 'app', 'new.js'), 'untracked\n');
      const out = dest();
      const snap = await snapshotSource({ source: join(repo, 'app'), dest: out });
      assert.equal(snap.kind, 'git');
      assert.equal(snap.commit, git('rev-parse', 'HEAD'));
      assert.equal(snap.dirty, true);
      assert.deepEqual((await readdir(out)).sort(), ['run.sh', 'server.js']);
      assert.equal(await readFile(join(out, 'server.js'), 'utf8'), 'console.log("v1")\n');
      assert.equal((await stat(join(out, 'run.sh'))).mode & 0o111, 0o111, 'the executable bit is kept');
      assert.equal(snap.files, 2);
      assert.equal(snap.bytes, 'console.log("v1")\n'.length + '#!/bin/sh\necho run\n'.length);
      git('checkout', '-q', '--', 'app/server.js');
      await rm(join(repo, 'app', 'new.js'));
    });

    it('reports a clean tree, ignoring excluded paths slipway writes inside the source', async () => {
      await write(join(repo, '.slipway', 'state.db'), 'state');
      const snap = await snapshotSource({ source: repo, dest: dest(), exclude: [join(repo, '.slipway')] });
      assert.equal(snap.kind, 'git');
      assert.equal(snap.dirty, false);
      assert.equal(snap.files, 3);
      await rm(join(repo, '.slipway'), { recursive: true });
    });

    it('refuses a source directory that HEAD does not hold', async () => {
      await write(join(repo, 'uncommitted', 'a.js'), 'a');
      await assert.rejects(snapshotSource({ source: join(repo, 'uncommitted'), dest: dest() }), { code: 'SLW_SOURCE_NOT_COMMITTED' });
      await rm(join(repo, 'uncommitted'), { recursive: true });
    });
  });

  describe('in a plain directory', () => {
    let src: string;
    before(async () => {
      src = join(root, 'plain');
      await write(join(src, '.gitignore'), 'node_modules/\n*.log\n!keep.log\n');
      await write(join(src, 'index.js'), 'index');
      await write(join(src, 'debug.log'), 'ignored');
      await write(join(src, 'keep.log'), 'kept');
      await write(join(src, 'node_modules', 'dep', 'index.js'), 'dep');
      await write(join(src, 'lib', '.gitignore'), 'secret.txt\n');
      await write(join(src, 'lib', 'secret.txt'), 'ignored by nested .gitignore');
      await write(join(src, 'lib', 'util.js'), 'util');
      await write(join(src, 'state', 'journal'), 'state');
      await write(join(src, '.git', 'HEAD'), 'ref: refs/heads/main\n');
      await write(join(src, 'bin', 'start'), '#!/bin/sh\n');
      await chmod(join(src, 'bin', 'start'), 0o750);
      await symlink('index.js', join(src, 'main.js'));
    });

    it('copies the folder minus .gitignore matches (nested too), .git and exclude, keeping modes', async () => {
      const out = dest();
      const snap = await snapshotSource({ source: src, dest: out, exclude: [join(src, 'state')] });
      assert.equal(snap.kind, 'dir');
      assert.equal(snap.commit, undefined);
      const listing = execFileSync('find', ['.', '-mindepth', '1'], { cwd: out, encoding: 'utf8' }).trim().split('\n').sort();
      assert.deepEqual(listing, [
        './.gitignore', './bin', './bin/start', './index.js', './keep.log', './lib', './lib/.gitignore', './lib/util.js', './main.js',
      ]);
      assert.equal((await stat(join(out, 'bin', 'start'))).mode & 0o777, 0o750);
      assert.equal(await readlink(join(out, 'main.js')), 'index.js');
      assert.equal(snap.files, 7);
      assert.ok(snap.bytes > 0);
    });

    it('never writes into an existing dest, and leaves no temp directory behind', async () => {
      const out = dest();
      await mkdir(out, { recursive: true });
      await assert.rejects(snapshotSource({ source: src, dest: out }), { code: 'SLW_SOURCE_DEST_EXISTS' });
      await assert.rejects(snapshotSource({ source: join(root, 'missing'), dest: dest() }), { code: 'SLW_SOURCE_NOT_FOUND' });
      const leftovers = (await readdir(join(root, 'releases'))).filter((n) => n.includes('.tmp-'));
      assert.deepEqual(leftovers, []);
      assert.equal(await exists(join(root, 'releases', `r${counter}`)), false);
    });
  });
});
