import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolvePaths } from '../../src/config/paths.js';

test('defaults: ./slipway.yaml and .slipway/ beside it', () => {
  assert.deepEqual(resolvePaths({ cwd: '/srv/app', environ: {} }), {
    configFile: '/srv/app/slipway.yaml',
    stateDir: '/srv/app/.slipway',
  });
});

test('state dir follows the config file, not the working directory', () => {
  assert.deepEqual(resolvePaths({ config: '../other/deploy.yaml', cwd: '/srv/app', environ: {} }), {
    configFile: '/srv/other/deploy.yaml',
    stateDir: '/srv/other/.slipway',
  });
});

test('SLIPWAY_STATE_DIR beats the default; the flag beats both', () => {
  const environ = { SLIPWAY_STATE_DIR: 'state' };
  assert.equal(resolvePaths({ cwd: '/srv/app', environ }).stateDir, '/srv/app/state');
  assert.equal(resolvePaths({ cwd: '/srv/app', environ, stateDir: '/var/lib/slipway' }).stateDir, '/var/lib/slipway');
});

test('empty flag and variable count as unset', () => {
  assert.deepEqual(resolvePaths({ config: '', stateDir: '', cwd: '/a', environ: { SLIPWAY_STATE_DIR: '' } }), {
    configFile: '/a/slipway.yaml',
    stateDir: '/a/.slipway',
  });
});
