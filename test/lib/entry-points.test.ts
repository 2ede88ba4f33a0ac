// The V8 flags each process starts with: slipway's defaults, or the operator's through
// SLIPWAY_DAEMON_NODE_FLAGS / SLIPWAY_PROXY_NODE_FLAGS, checked before anything starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NODE_FLAGS, entryArgv, entryPath, nodeFlagsOf } from '../../src/lib/entry-points.js';
import { SlipwayError } from '../../src/errors.js';

test('each entry point starts with its own V8 flags, before the loader flags and the script', () => {
  for (const name of ['daemon', 'proxy'] as const) {
    const argv = entryArgv(name, ['--state-dir', '/x'], nodeFlagsOf(name, {}));
    assert.deepEqual(argv.slice(0, NODE_FLAGS[name].length), [...NODE_FLAGS[name]]);
    assert.deepEqual(argv.slice(-3), [entryPath(name), '--state-dir', '/x']);
  }
  assert.ok(NODE_FLAGS.daemon.includes('--no-opt'), 'the daemon runs without the optimizing compiler');
  assert.deepEqual(nodeFlagsOf('cli', { SLIPWAY_CLI_NODE_FLAGS: '--no-opt' }), []);
});

test('an operator replaces the flags of the daemon or the proxy, or clears them with ""', () => {
  assert.deepEqual(nodeFlagsOf('proxy', { SLIPWAY_PROXY_NODE_FLAGS: '' }), []);
  assert.deepEqual(nodeFlagsOf('proxy', { SLIPWAY_PROXY_NODE_FLAGS: ' --max-semi-space-size=4   --no-opt ' }), ['--max-semi-space-size=4', '--no-opt']);
  assert.deepEqual(nodeFlagsOf('daemon', { SLIPWAY_PROXY_NODE_FLAGS: '' }), NODE_FLAGS.daemon, 'one process\'s variable leaves the other alone');
});

test('anything but a V8 flag in the variables is refused with SLW_USAGE naming the variable', () => {
  for (const bad of ['--require=/tmp/x.js', '--import', '--inspect=0.0.0.0:9229', 'max-semi-space-size=4', '--max-semi-space-size=4;rm', '--loader=x', '--experimental-loader=x']) {
    assert.throws(
      () => nodeFlagsOf('daemon', { SLIPWAY_DAEMON_NODE_FLAGS: bad }),
      (err: unknown) => err instanceof SlipwayError && err.code === 'SLW_USAGE' && err.message.includes('SLIPWAY_DAEMON_NODE_FLAGS') && err.hint.includes('--no-opt'),
      bad,
    );
  }
});
