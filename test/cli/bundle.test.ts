// bin/slipway.js runs the bundled CLI (scripts/bundle-cli.mjs, docs/design.md "Lean processes"):
// the bundle must be the one bin imports, newer than every compiled file it was built from, and
// behave as the unbundled compiled CLI (dist/src/cli/main.js) does: same help, same errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, REPO_ROOT } from '../helpers/e2e-project.js';

const DIST_SRC = join(REPO_ROOT, 'dist', 'src');
const BUNDLE_MAIN = join(DIST_SRC, 'cli-bundle', 'main.js');
const UNBUNDLED_MAIN = join(DIST_SRC, 'cli', 'main.js');

function run(program: string, args: readonly string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [program, ...args], { cwd, env: { ...process.env, SLIPWAY_STATE_DIR: '' } }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Newest modification time of the compiled .js files under dir, the bundle's own directory left out. */
async function newestCompiled(dir: string): Promise<{ file: string; mtimeMs: number }> {
  let newest = { file: '', mtimeMs: 0 };
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const file = join(entry.parentPath, entry.name);
    if (!entry.isFile() || !entry.name.endsWith('.js') || file.startsWith(join(DIST_SRC, 'cli-bundle'))) continue;
    const { mtimeMs } = await stat(file);
    if (mtimeMs > newest.mtimeMs) newest = { file, mtimeMs };
  }
  return newest;
}

test('bin/slipway.js imports the bundled CLI, built after the compiled code it bundles', async () => {
  const bin = await readFile(CLI, 'utf8');
  const imports = [...bin.matchAll(/^import\s+'([^']+)'/gm)].map((m) => m[1]);
  assert.deepEqual(imports, ['../dist/src/cli-bundle/main.js'], `bin/slipway.js imports the bundle alone:\n${bin}`);
  const bundle = await stat(BUNDLE_MAIN);
  const newest = await newestCompiled(DIST_SRC);
  assert.ok(newest.mtimeMs > 0, 'found the compiled code');
  assert.ok(
    bundle.mtimeMs >= newest.mtimeMs,
    `the bundle is older than ${newest.file}: run \`node scripts/bundle-cli.mjs\` after tsc (npm run build does both)`,
  );
});

test('the bundled CLI prints what the unbundled one does: help, a command\'s help, version, an error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-bundle-'));
  try {
    const cases: ReadonlyArray<readonly string[]> = [
      ['--help'],
      ['help', 'deploy'],
      ['version', '--json'],
      ['rollback', '--json', '--state-dir', join(dir, 'state')], // no daemon there: SLW_DAEMON_UNREACHABLE
      ['check', '--json', '--config', join(dir, 'missing.yaml')],
      ['no-such-command'],
    ];
    for (const args of cases) {
      const [bundled, unbundled] = await Promise.all([run(BUNDLE_MAIN, args, dir), run(UNBUNDLED_MAIN, args, dir)]);
      assert.deepEqual(bundled, unbundled, `slipway ${args.join(' ')}`);
      assert.ok(bundled.stdout.length + bundled.stderr.length > 0, `slipway ${args.join(' ')} printed something`);
    }
    const unreachable = await run(BUNDLE_MAIN, ['rollback', '--json', '--state-dir', join(dir, 'state')], dir);
    assert.equal(JSON.parse(unreachable.stdout.trim()).error.code, 'SLW_DAEMON_UNREACHABLE');
    assert.notEqual(unreachable.code, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
