import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../helpers/e2e-project.js';

function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, SLIPWAY_STATE_DIR: '' } }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

test('help lists the commands; help <command> shows its options', async () => {
  const all = await run(['help'], tmpdir());
  assert.equal(all.code, 0);
  for (const name of ['init', 'check', 'daemon', 'deploy', 'rollback', 'status', 'history', 'logs', 'lock status', 'lock release', 'stop']) {
    assert.match(all.stdout, new RegExp(`\\n  ${name}\\b`), name);
  }
  const one = await run(['help', 'daemon'], tmpdir());
  assert.match(one.stdout, /--detach/);
  const flag = await run(['deploy', '--help'], tmpdir());
  assert.match(flag.stdout, /Usage: slipway deploy \[service\]/);
});

test('options may come before the command, with their values', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-cli-'));
  try {
    const file = join(dir, 'other.yaml');
    await writeFile(file, 'version: 1\nservices:\n  web:\n    run: node server.js\n');
    const r = await run(['--config', file, '--json', 'check'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { ok: true, file, env: null, services: ['web'] });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('usage errors: unknown command, unknown flag, missing argument, all with SLW_USAGE and exit 2', async () => {
  for (const args of [['deplyo'], ['deploy', '--fast'], ['logs'], ['status', 'extra']]) {
    const r = await run([...args, '--json'], tmpdir());
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(JSON.parse(r.stdout).error.code, 'SLW_USAGE', args.join(' '));
  }
});

test('a command that needs the daemon says it is not running, with exit 4', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-cli-'));
  try {
    const r = await run(['status', '--state-dir', join(dir, 's')], dir);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /SLW_DAEMON_UNREACHABLE/);
    assert.match(r.stderr, /slipway daemon --detach/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('init writes a config that check accepts, and refuses to overwrite it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-cli-'));
  try {
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'shop', scripts: { start: 'node app.js' } }));
    await writeFile(join(dir, 'app.js'), "require('http').createServer((q, s) => s.end(q.url === '/health' ? 'ok' : 'hi')).listen(process.env.PORT);\n");
    const init = await run(['init'], dir);
    assert.equal(init.code, 0, init.stderr);
    const yaml = await readFile(join(dir, 'slipway.yaml'), 'utf8');
    assert.match(yaml, /run: node app\.js/);
    assert.equal((await run(['check'], dir)).code, 0);
    const again = await run(['init'], dir);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /--force/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('schema prints a JSON Schema of the config', async () => {
  const r = await run(['schema'], tmpdir());
  assert.equal(r.code, 0);
  const schema = JSON.parse(r.stdout);
  assert.ok(schema.properties.services);
});
