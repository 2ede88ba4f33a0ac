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
  assert.equal(pkg.scripts['prepare'], 'tsc -p tsconfig.json', 'npm ci builds, so npx slipway works right after it');
  assert.equal(pkg.bin['slipway'], 'bin/slipway.js');
});
