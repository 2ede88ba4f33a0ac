// Acceptance 7 (with CI): the README opens with the two commands a newcomer runs, and CI
// runs exactly those on a clean clone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/e2e-project.js';

test('the README starts with the demo and test commands, and .ci/run runs them', async () => {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const commands = firstBlock.split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean);
  assert.deepEqual(commands, ['npm ci && npm run demo', 'npm ci && npm test']);
  assert.ok(readme.indexOf('```sh') < readme.indexOf('\n## '), 'the commands come before the first section');
  const ci = await readFile(join(REPO_ROOT, '.ci', 'run'), 'utf8');
  const steps = ci.split('\n').filter((l) => l.startsWith('npm '));
  assert.deepEqual(steps, ['npm ci', 'npm test', 'npm run demo']);
  const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; bin: Record<string, string> };
  // Compiles, then bundles the CLI that bin/slipway.js runs (scripts/bundle-cli.mjs).
  assert.equal(pkg.scripts['prepare'], 'tsc -p tsconfig.json && node scripts/bundle-cli.mjs', 'npm ci builds, so npx slipway works right after it');
  assert.equal(pkg.scripts['build'], pkg.scripts['prepare'], 'npm run build builds what npm ci builds');
  assert.equal(pkg.bin['slipway'], 'bin/slipway.js');
});

test('README: an Install section after the newcomer commands, tested by scripts/install-test.sh from .ci/run', async () => {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const install = readme.indexOf('\n## Install\n');
  assert.ok(install > readme.indexOf('```sh'), 'Install comes after the two newcomer commands');
  assert.ok(install < readme.indexOf('\n## Use it on your app'), 'Install comes before the first use');
  const section = readme.slice(install, readme.indexOf('\n## ', install + 1));
  assert.match(section, /^npm install -g \.\/slipway-0\.1\.0\.tgz\b/m);
  assert.match(section, /^npm ci && npm install -g \.\s/m);
  const ci = await readFile(join(REPO_ROOT, '.ci', 'run'), 'utf8');
  assert.ok(ci.split('\n').includes('bash scripts/install-test.sh'), '.ci/run runs the install test');
  const script = await readFile(join(REPO_ROOT, 'scripts', 'install-test.sh'), 'utf8');
  assert.match(script, /npm install -g --prefix "\$work\/prefix" .*"\$tarball"/);
  assert.match(script, /slipway init\n/);
  assert.match(script, /slipway daemon --detach --json/);
  assert.match(script, /\nslipway deploy\n/);
});

test('package.json: the tarball holds what runs and the tested lockfile; no unknown .npmrc key', async () => {
  const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { files: string[]; scripts: Record<string, string> };
  assert.deepEqual(pkg.files, ['bin/slipway.js', 'dist/src/', '!dist/**/*.map', 'docs/', 'npm-shrinkwrap.json']);
  assert.equal(pkg.scripts['prepack'], 'cp package-lock.json npm-shrinkwrap.json');
  assert.equal(pkg.scripts['postpack'], 'rm -f npm-shrinkwrap.json');
  await assert.rejects(readFile(join(REPO_ROOT, '.npmrc'), 'utf8'), { code: 'ENOENT' });
  const rc = await readFile(join(REPO_ROOT, '.prebuild-installrc'), 'utf8');
  assert.match(rc, /^buildFromSource=true$/m);
});
