// Issue 7, acceptance 4: stage consistency. A production config naming `tb-designs-dev` and a
// staging URL, and services spelling production two ways, are flagged as warnings with
// file:line:col and a hint; `check --strict` fails on them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { checkConfig } from '../../src/config/load.js';
import { CLI } from '../helpers/e2e-project.js';

const file = join(fileURLToPath(new URL('../fixtures/stage-audit/', import.meta.url)), 'slipway.yaml');

test('a production config naming dev and staging resources is flagged with location and hint', async () => {
  const { config, issues, warnings = [] } = await checkConfig({ file, env: 'production' });
  assert.deepEqual(issues, [], 'warnings do not make the config invalid');
  assert.ok(config);
  const got = warnings.map((w) => `${w.code} ${w.location?.line}:${w.location?.col} ${w.path}`);
  assert.deepEqual(got, [
    'SLW_CONFIG_STAGE_MISMATCH 22:22 environments.production.services.web.env.S3_BUCKET',
    'SLW_CONFIG_STAGE_MISMATCH 23:20 environments.production.services.web.env.API_URL',
    'SLW_CONFIG_STAGE_SPELLING 27:18 environments.production.services.worker.env.QUEUE',
  ]);
  assert.match(warnings[0]?.message ?? '', /names the development stage \("dev"\)/);
  assert.match(warnings[1]?.message ?? '', /names the staging stage \("staging"\)/);
  assert.ok(warnings.every((w) => w.hint.length > 0));
});

test('the same file is clean for staging, where ${env} follows the environment', async () => {
  const { issues, warnings = [] } = await checkConfig({ file, env: 'staging' });
  assert.deepEqual(issues, []);
  assert.deepEqual(warnings.map((w) => w.path), ['services.worker.env.QUEUE'], 'only the base value naming production');
});

function check(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, 'check', '--config', file, ...args], (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

test('check prints the warnings and passes; check --strict fails on them', async () => {
  const plain = await check(['--env', 'production']);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /3 warnings/);
  assert.match(plain.stdout, /slipway\.yaml:22:22 environments\.production\.services\.web\.env\.S3_BUCKET/);
  const strict = await check(['--env', 'production', '--strict', '--json']);
  assert.equal(strict.code, 2);
  const body = JSON.parse(strict.stdout.trim().split('\n').pop() ?? '{}');
  assert.equal(body.error.code, 'SLW_CONFIG_INVALID');
  assert.equal(body.error.details.issues.length, 3);
});
