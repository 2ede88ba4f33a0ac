import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toArgv } from '../../src/lib/command-line.js';
import { SlipwayError } from '../../src/errors.js';

test('plain commands split on whitespace', () => {
  assert.deepEqual(toArgv('node server.js'), ['node', 'server.js']);
  assert.deepEqual(toArgv('  python3  -m   http.server\t8000 '), ['python3', '-m', 'http.server', '8000']);
  assert.deepEqual(toArgv('./bin/app --port-from=env'), ['./bin/app', '--port-from=env']);
});

test('shell syntax runs under sh -c, unchanged', () => {
  const shell = [
    'npm ci && npm run build', 'echo "hi"', "echo 'hi'", 'echo $HOME', 'echo `date`', 'a | b', 'a; b', 'a > out', 'a < in',
    '(a)', 'ls *.js', 'ls ?.js', 'ls [ab].js', 'echo {a,b}', 'cd ~', 'a # comment', 'a\\ b', 'a\nb', 'a & b',
    'NODE_ENV=production node server.js',
  ];
  for (const command of shell) assert.deepEqual(toArgv(command), ['sh', '-c', command], command);
});

test('an = later in the command is not an assignment', () => {
  assert.deepEqual(toArgv('node server.js --mode=prod'), ['node', 'server.js', '--mode=prod']);
});

test('an empty command is an error', () => {
  for (const command of ['', '   ', '\t']) {
    assert.throws(() => toArgv(command), (e: unknown) => e instanceof SlipwayError && e.code === 'SLW_CONFIG_BAD_COMMAND');
  }
});
