// `slipway service install|uninstall`: the systemd unit passes `systemd-analyze verify` with no
// finding, for a project whose path holds a space, a % and a $; its ExecStart, split the way
// systemd splits it, starts a daemon that answers; install replaces only a unit it wrote,
// uninstall removes only such a unit; coded errors otherwise, nothing changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../helpers/e2e-project.js';
import { isPidAlive } from '../../src/lib/pid-alive.js';

function run(file: string, args: readonly string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(file, [...args], { cwd, env: { ...process.env, SLIPWAY_STATE_DIR: '' } }, (err, stdout, stderr) =>
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** ExecStart split as systemd does for what slipway writes: double-quoted words, \\ and \" escapes, %% and $$ doubled. */
function execStartArgv(unit: string): string[] {
  const line = unit.split('\n').find((l) => l.startsWith('ExecStart='))?.slice('ExecStart='.length) ?? '';
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1').replace(/%%/g, '%').replace(/\$\$/g, '$'));
}

test('service install --dry-run: a unit systemd-analyze verifies without a finding; its ExecStart starts the daemon', { timeout: 60_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), 'slipway-service-'));
  const dir = join(root, 'my app %n $HOME');
  let pid: number | undefined;
  try {
    await mkdir(dir);
    await writeFile(join(dir, 'server.js'), '');
    await writeFile(join(dir, 'slipway.yaml'), 'version: 1\nproxy: { http: 0, host: 127.0.0.1 }\nservices:\n  web: { run: node server.js, routes: [{ host: web.localhost }] }\n');
    const out = await run(process.execPath, [CLI, 'service', 'install', '--dry-run', '--json'], dir);
    assert.equal(out.code, 0, out.stderr);
    const { unit } = JSON.parse(out.stdout.trim()) as { unit: string };
    for (const line of ['Restart=on-failure', 'KillMode=process', 'NoNewPrivileges=yes', 'WantedBy=']) assert.ok(unit.includes(line), line);
    const file = join(root, 'slipway-check.service');
    await writeFile(file, unit);
    const verify = await run('systemd-analyze', ['verify', file], root);
    assert.equal(verify.code, 0, verify.stderr);
    assert.equal((verify.stdout + verify.stderr).trim(), '', 'systemd found nothing to say about the unit');
    assert.ok(!existsSync(join(dir, '.slipway')), '--dry-run changed nothing');

    // The command line systemd would run starts a daemon on this project (then SIGTERM stops it, as systemctl stop does).
    const argv = execStartArgv(unit);
    assert.ok(argv.includes(join(dir, 'slipway.yaml')), `the config path survives quoting: ${argv.join(' | ')}`);
    const daemon = spawn(argv[0]!, argv.slice(1), { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
    pid = daemon.pid;
    const ready = await new Promise<string>((resolve, reject) => {
      let text = '';
      daemon.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const line = text.split('\n').find((l) => l.startsWith('{"ready":'));
        if (line) resolve(line);
      });
      daemon.on('exit', (code) => reject(new Error(`the daemon exited ${code}: ${text}`)));
    });
    assert.equal(JSON.parse(ready).ready, true, ready);
    daemon.kill('SIGTERM');
    await new Promise((resolve) => daemon.on('exit', resolve));
  } finally {
    if (pid !== undefined && isPidAlive(pid)) process.kill(pid, 'SIGKILL');
    // The daemon's proxy keeps serving after SIGTERM (KillMode=process): stop it by its pid file.
    const proxyPid = Number(await readFile(join(dir, '.slipway', 'proxy', 'proxy.pid'), 'utf8').catch(() => ''));
    if (proxyPid > 0 && isPidAlive(proxyPid)) process.kill(proxyPid, 'SIGKILL');
    await rm(root, { recursive: true, force: true });
  }
});

test('service install --unit-dir writes the unit, replaces only its own; uninstall removes only its own', async () => {
  const root = await mkdtemp(join(tmpdir(), 'slipway-service-'));
  try {
    await writeFile(join(root, 'slipway.yaml'), 'version: 1\nservices: {}\n');
    const units = join(root, 'units');
    const cli = (...args: string[]) => run(process.execPath, [CLI, 'service', ...args, '--unit-dir', units, '--json'], root);
    const first = await cli('install', '--name', 'shop');
    assert.equal(first.code, 0, first.stderr);
    assert.equal(JSON.parse(first.stdout.trim()).enabled, false);
    const file = join(units, 'shop.service');
    assert.match(await readFile(file, 'utf8'), /^# Written by `slipway service install`/);
    assert.equal((await cli('install', '--name', 'shop')).code, 0, 'its own unit is replaced');

    const foreign = join(units, 'other.service');
    await writeFile(foreign, '[Service]\nExecStart=/bin/true\n');
    const refused = await cli('install', '--name', 'other');
    assert.equal(JSON.parse(refused.stdout.trim()).error.code, 'SLW_SERVICE_EXISTS');
    assert.equal(await readFile(foreign, 'utf8'), '[Service]\nExecStart=/bin/true\n', 'a unit slipway did not write is left as it is');
    assert.equal(JSON.parse((await cli('uninstall', '--name', 'other')).stdout.trim()).error.code, 'SLW_SERVICE_EXISTS');
    assert.ok(existsSync(foreign));
    assert.equal(JSON.parse((await cli('install', '--name', 'bad/name')).stdout.trim()).error.code, 'SLW_USAGE');

    assert.equal((await cli('uninstall', '--name', 'shop')).code, 0);
    assert.ok(!existsSync(file));
    assert.equal(JSON.parse((await cli('uninstall', '--name', 'shop')).stdout.trim()).error.code, 'SLW_SERVICE_NOT_INSTALLED');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
