// Issue 7, validation stage 4 (preflight): configured ports free or held by this slipway's own
// proxy/daemon, directories writable or creatable, commands found, disk space above a floor;
// all findings with codes, locations and hints, reported with the earlier stages' ones, and
// nothing changed (no directory created, no port held afterwards).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { checkConfig, type CheckResult } from '../../src/config/load.js';
import type { PreflightOptions } from '../../src/config/preflight.js';
import type { DiskSpace } from '../../src/lib/disk-space.js';
import { probePort } from '../../src/lib/port-probe.js';
import { ApiClient } from '../../src/api/client.js';
import { CLI, cli as e2eCli, destroyProject, instancePids, makeProject, waitFor } from '../helpers/e2e-project.js';

const GB = 1024 ** 3;
const plenty = async (): Promise<DiskSpace> => ({ freeBytes: 50 * GB, sizeBytes: 100 * GB });

async function holdPort(): Promise<Server> {
  const server = createServer();
  server.listen({ host: '127.0.0.1', port: 0, exclusive: true });
  await once(server, 'listening');
  return server;
}

function portOf(server: Server): number {
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return address.port;
}

/** A port that was free a moment ago (bound on 0 then closed). */
async function freedPort(): Promise<number> {
  const server = await holdPort();
  const port = portOf(server);
  await new Promise((done) => server.close(done));
  return port;
}

async function project(): Promise<{ dir: string; file: string; state: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-preflight-'));
  await mkdir(join(dir, 'app'));
  return { dir, file: join(dir, 'slipway.yaml'), state: join(dir, 'state') };
}

function config(o: { http: number; admin?: number; run?: string; build?: string; extra?: string }): string {
  return [
    'version: 1',
    `proxy: { http: ${o.http}, host: 127.0.0.1 }`,
    ...(o.admin !== undefined ? [`admin: { listen: "127.0.0.1:${o.admin}" }`] : []),
    'services:',
    '  web:',
    '    source: ./app',
    `    run: ${o.run ?? 'node server.js'}`,
    ...(o.build ? [`    build: ${o.build}`] : []),
    o.extra ?? '',
  ].join('\n');
}

function check(file: string, preflight: PreflightOptions, env?: string): Promise<CheckResult> {
  return checkConfig({ file, ...(env ? { env } : {}), preflight: { diskSpace: plenty, ...preflight } });
}

const summary = (r: CheckResult) => r.issues.map((i) => `${i.code} ${i.path} ${i.location ? `${i.location.line}:${i.location.col}` : '-'}`);

test('a port held by another program is an error at its setting; a free port is not; nothing stays bound', async () => {
  const p = await project();
  const taken = await holdPort();
  try {
    const free = await freedPort();
    await writeFile(p.file, config({ http: portOf(taken), admin: free }));
    const r = await check(p.file, { stateDir: p.state });
    assert.deepEqual(summary(r), ['SLW_CONFIG_PORT_IN_USE proxy.http 2:16']);
    assert.equal(r.config, undefined, 'a preflight error makes the config fail');
    assert.match(r.issues[0]?.message ?? '', new RegExp(`127\\.0\\.0\\.1:${portOf(taken)}\\) is already in use`));
    assert.match(r.issues[0]?.hint ?? '', /ss -ltnp/);
    // The free port was probed and released; the taken one is still the test's.
    assert.deepEqual(await probePort('127.0.0.1', free), { state: 'free' });
    assert.equal(taken.listening, true);
    // Without preflight (plan, the daemon's config reads), the port is not looked at.
    assert.ok((await checkConfig({ file: p.file })).config);
  } finally {
    taken.close();
    await rm(p.dir, { recursive: true, force: true });
  }
});

test("a port held by this slipway's own proxy or daemon (their pid files) is not a conflict", async () => {
  const p = await project();
  // A real process holding a real socket, named by the state dir's proxy pid file.
  const child: ChildProcess = spawn(process.execPath, ['-e', "const s=require('net').createServer().listen(0,'127.0.0.1',()=>console.log(s.address().port))"], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const port = Number(line.toString().trim());
    await writeFile(p.file, config({ http: port }));
    const foreign = await check(p.file, { stateDir: p.state });
    assert.deepEqual(summary(foreign), ['SLW_CONFIG_PORT_IN_USE proxy.http 2:16'], 'no pid file: another program');
    await mkdir(join(p.state, 'proxy'), { recursive: true });
    await writeFile(join(p.state, 'proxy', 'proxy.pid'), `${child.pid}\n`);
    assert.deepEqual(summary(await check(p.file, { stateDir: p.state })), [], 'held by our proxy');
    await rm(join(p.state, 'proxy'), { recursive: true });
    await writeFile(join(p.state, 'daemon.pid'), `${child.pid}\n`);
    assert.deepEqual(summary(await check(p.file, { stateDir: p.state })), [], 'held by our daemon');
    await writeFile(join(p.state, 'daemon.pid'), `${process.pid}\n`);
    assert.deepEqual(summary(await check(p.file, { stateDir: p.state })), ['SLW_CONFIG_PORT_IN_USE proxy.http 2:16'], 'a live pid that does not hold the port');
  } finally {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    await rm(p.dir, { recursive: true, force: true });
  }
});

test('directories: a state dir or backup dir that cannot be created is an error; a missing creatable one is fine and is not created', async () => {
  const p = await project();
  try {
    const port = await freedPort();
    // Tests run as root, which write permissions do not stop: a path under a regular file can never be created.
    const file = join(p.dir, 'a-file');
    await writeFile(file, 'not a directory\n');
    const backups = `backups:\n  encrypt: false\n  targets:\n    local: { dir: ./a-file/backups }\n  sources:\n    files: { dir: ./data }\n`;
    await writeFile(p.file, config({ http: port, extra: backups }));
    const r = await check(p.file, { stateDir: join(file, 'state'), environ: { PATH: process.env['PATH'] ?? '' } });
    const got = r.issues.filter((i) => i.code === 'SLW_CONFIG_DIR_NOT_WRITABLE');
    assert.deepEqual(got.map((i) => [i.path, i.location ? `${i.location.line}:${i.location.col}` : '-']), [
      ['', '-'],
      ['backups.targets.local.dir', '10:19'],
    ]);
    assert.match(got[0]?.message ?? '', /the state directory .*a-file\/state cannot be created: .*a-file is a file, not a directory/);
    assert.match(got[0]?.hint ?? '', /--state-dir/);
    assert.match(got[1]?.message ?? '', /backup target "local"/);

    // A state dir and a data dir that do not exist yet, under a writable parent: no finding, nothing created.
    await writeFile(p.file, config({ http: port, extra: backups.replace('./a-file/backups', './backups') }));
    const ok = await check(p.file, { stateDir: p.state });
    assert.deepEqual(ok.issues.filter((i) => i.code === 'SLW_CONFIG_DIR_NOT_WRITABLE'), []);
    for (const dir of [p.state, join(p.dir, 'backups'), join(p.dir, 'data')]) assert.equal(existsSync(dir), false, `${dir} was created`);
  } finally {
    await rm(p.dir, { recursive: true, force: true });
  }
});

test('commands: a run or build command not on PATH, or a missing script, is an error; one the build makes is not checked; zstd missing warns', async () => {
  const p = await project();
  try {
    const port = await freedPort();
    await writeFile(p.file, config({ http: port, run: 'no-such-program-slw --serve' }));
    const missing = await check(p.file, { stateDir: p.state });
    assert.deepEqual(summary(missing), ['SLW_CONFIG_COMMAND_NOT_FOUND services.web.run 6:10']);
    assert.match(missing.issues[0]?.message ?? '', /"no-such-program-slw", which is not found on PATH/);

    await writeFile(p.file, config({ http: port, run: './bin/start' }));
    assert.deepEqual(summary(await check(p.file, { stateDir: p.state })), ['SLW_CONFIG_COMMAND_NOT_FOUND services.web.run 6:10'], 'relative path missing, no build');
    await writeFile(p.file, config({ http: port, run: './bin/start', build: 'sh build.sh' }));
    assert.deepEqual(summary(await check(p.file, { stateDir: p.state })), [], 'the build may make it');
    await mkdir(join(p.dir, 'app', 'bin'));
    await writeFile(join(p.dir, 'app', 'bin', 'start'), '#!/bin/sh\n', { mode: 0o755 });
    await writeFile(p.file, config({ http: port, run: './bin/start' }));
    assert.deepEqual(summary(await check(p.file, { stateDir: p.state })), [], 'an executable script in the source');

    // The PATH given is the one searched: without it neither node nor zstd is found.
    const backups = `backups:\n  encrypt: false\n  targets:\n    local: { dir: ./backups }\n  sources:\n    files: { dir: ./data }\n`;
    await writeFile(p.file, config({ http: port, extra: backups }));
    const bare = await check(p.file, { stateDir: p.state, environ: { PATH: join(p.dir, 'empty-bin') } });
    assert.deepEqual(summary(bare), ['SLW_CONFIG_COMMAND_NOT_FOUND services.web.run 6:10']);
    assert.deepEqual((bare.warnings ?? []).map((w) => `${w.code} ${w.path}`), ['SLW_CONFIG_TOOL_MISSING backups']);
    const withPath = await check(p.file, { stateDir: p.state, environ: { PATH: process.env['PATH'] ?? '' } });
    assert.deepEqual(summary(withPath), []);
    assert.deepEqual(withPath.warnings ?? [], []);
  } finally {
    await rm(p.dir, { recursive: true, force: true });
  }
});

test('disk space: below the floor is an error, below the warning level a warning, measured where the state dir would be', async () => {
  const p = await project();
  try {
    await writeFile(p.file, config({ http: await freedPort() }));
    const asked: string[] = [];
    const disk = (freeBytes: number) => async (path: string): Promise<DiskSpace> => {
      asked.push(path);
      return { freeBytes, sizeBytes: 100 * GB };
    };
    const full = await check(p.file, { stateDir: join(p.state, 'deeper'), diskSpace: disk(100 * 1024 ** 2) });
    assert.deepEqual(summary(full), ['SLW_CONFIG_DISK_FULL  -']);
    assert.match(full.issues[0]?.message ?? '', /only 100 MB free .* \(at least 256 MB is needed\)/);
    assert.deepEqual(asked, [p.dir], 'the nearest existing directory of the state dir');
    const low = await check(p.file, { stateDir: p.state, diskSpace: disk(600 * 1024 ** 2) });
    assert.deepEqual(summary(low), []);
    assert.ok(low.config, 'a warning does not fail the config');
    assert.deepEqual((low.warnings ?? []).map((w) => w.code), ['SLW_CONFIG_DISK_LOW']);
    const custom = await check(p.file, { stateDir: p.state, diskSpace: disk(600 * 1024 ** 2), diskFloor: { errorBytes: GB, warnBytes: 2 * GB } });
    assert.deepEqual(summary(custom), ['SLW_CONFIG_DISK_FULL  -']);
    const fine = await check(p.file, { stateDir: p.state, diskSpace: disk(5 * GB) });
    assert.deepEqual([summary(fine), fine.warnings], [[], []]);
  } finally {
    await rm(p.dir, { recursive: true, force: true });
  }
});

test('preflight findings come with every earlier stage\'s, all at once', async () => {
  const p = await project();
  const taken = await holdPort();
  try {
    const yaml = [
      'version: 1',
      `proxy: { http: ${portOf(taken)}, host: 127.0.0.1 }`,
      'services:',
      '  web:',
      '    source: ./app',
      '    run: no-such-program-slw',
      '    drain: 30',
      '    env:',
      '      A: ${secret:NOPE}',
      '      BUCKET: files-dev',
      'environments:',
      '  production: {}',
    ].join('\n');
    await writeFile(p.file, yaml);
    const r = await check(p.file, { stateDir: p.state, diskSpace: async () => ({ freeBytes: 10 * 1024 ** 2, sizeBytes: GB }) }, 'production');
    assert.deepEqual(r.issues.map((i) => i.code).sort(), [
      'SLW_CONFIG_BAD_DURATION',
      'SLW_CONFIG_COMMAND_NOT_FOUND',
      'SLW_CONFIG_DISK_FULL',
      'SLW_CONFIG_PORT_IN_USE',
      'SLW_CONFIG_UNKNOWN_SECRET',
    ]);
    assert.deepEqual((r.warnings ?? []).map((w) => w.code), ['SLW_CONFIG_STAGE_MISMATCH']);
  } finally {
    taken.close();
    await rm(p.dir, { recursive: true, force: true });
  }
});

function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, SLIPWAY_STATE_DIR: '' } }, (err, stdout, stderr) =>
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

test('slipway check: preflight errors and warnings with the others, exit 2; warnings alone pass unless --strict; --json', async () => {
  const p = await project();
  const taken = await holdPort();
  try {
    const backups = `backups:\n  encrypt: false\n  targets:\n    local: { dir: ./backups }\n  sources:\n    files: { dir: ./data }\n`;
    const base = config({ http: portOf(taken), run: 'no-such-program-slw', extra: `    env: { BUCKET: files-dev }\n${backups}environments:\n  production: {}\n` });
    await writeFile(p.file, base);
    const text = await cli(['check', '--env', 'production', '--config', p.file, '--state-dir', p.state], p.dir);
    assert.equal(text.code, 2, text.stdout + text.stderr);
    assert.match(text.stderr, /slipway\.yaml:2:16 SLW_CONFIG_PORT_IN_USE at proxy\.http: the proxy's HTTP port/);
    assert.match(text.stderr, /slipway\.yaml:6:10 SLW_CONFIG_COMMAND_NOT_FOUND at services\.web\.run/);
    assert.match(text.stderr, /and 1 warning \(--strict fails on them\):\n {2}.*slipway\.yaml:7:20 SLW_CONFIG_STAGE_MISMATCH/);
    assert.match(text.stderr, /hint: Stop the program listening there/);
    const json = await cli(['check', '--env', 'production', '--json', '--config', p.file, '--state-dir', p.state], p.dir);
    assert.equal(json.code, 2);
    const body = JSON.parse(json.stdout.trim());
    assert.equal(body.error.code, 'SLW_CONFIG_INVALID');
    assert.deepEqual(body.error.details.issues.map((i: { code: string }) => i.code), ['SLW_CONFIG_PORT_IN_USE', 'SLW_CONFIG_COMMAND_NOT_FOUND']);
    assert.deepEqual(body.error.details.warnings.map((i: { code: string }) => i.code), ['SLW_CONFIG_STAGE_MISMATCH']);
    // --skip-preflight checks the file only: the port and the command are not looked at.
    const fileOnly = await cli(['check', '--env', 'production', '--skip-preflight', '--json', '--config', p.file, '--state-dir', p.state], p.dir);
    assert.equal(fileOnly.code, 0, fileOnly.stdout + fileOnly.stderr);
    assert.deepEqual(JSON.parse(fileOnly.stdout.trim()).warnings.map((w: { code: string }) => w.code), ['SLW_CONFIG_STAGE_MISMATCH']);

    // Fix the errors: the warning alone passes, and fails with --strict.
    taken.close();
    await writeFile(p.file, base.replace('no-such-program-slw', 'node server.js'));
    const ok = await cli(['check', '--env', 'production', '--json', '--config', p.file, '--state-dir', p.state], p.dir);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const okBody = JSON.parse(ok.stdout.trim());
    assert.equal(okBody.ok, true);
    assert.deepEqual(okBody.warnings.map((w: { code: string }) => w.code), ['SLW_CONFIG_STAGE_MISMATCH']);
    const strict = await cli(['check', '--env', 'production', '--strict', '--json', '--config', p.file, '--state-dir', p.state], p.dir);
    assert.equal(strict.code, 2);
    assert.deepEqual(JSON.parse(strict.stdout.trim()).error.details.issues.map((w: { code: string }) => w.code), ['SLW_CONFIG_STAGE_MISMATCH']);
    assert.equal(existsSync(p.state), false, 'check created the state dir');
  } finally {
    taken.close();
    await rm(p.dir, { recursive: true, force: true });
  }
});

test("with the daemon running, check and deploy do not flag the ports its own proxy and admin listener hold; a stranger's port stops a deploy in the CLI and in the daemon", { timeout: 120_000 }, async () => {
  const p = await makeProject({ instances: 1 });
  const stranger = await holdPort();
  try {
    const admin = await freedPort();
    await writeFile(p.configFile, (await readFile(p.configFile, 'utf8')).replace('services:', `admin: { listen: "127.0.0.1:${admin}" }\nservices:`));
    const daemon = await e2eCli(p, ['daemon', '--detach']);
    assert.equal(daemon.code, 0, daemon.stdout + daemon.stderr);
    // The proxy and the admin listener hold their ports now.
    await waitFor('the proxy on its port', async () => ((await probePort('127.0.0.1', p.port)).state === 'in-use' ? true : undefined));
    assert.equal((await probePort('127.0.0.1', admin)).state, 'in-use');
    const ok = await e2eCli(p, ['check', '--json']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.equal(ok.json.ok, true);
    // deploy runs preflight in the CLI and again in the daemon, which holds the admin port itself.
    const deployed = await e2eCli(p, ['deploy', '--json']);
    assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);
    const running = await instancePids(p);
    assert.equal(running.length, 1);
    // A port held by someone else is still refused, and deploy (stage 4 included) starts nothing.
    await writeFile(p.configFile, (await readFile(p.configFile, 'utf8')).replace(`127.0.0.1:${admin}`, `127.0.0.1:${portOf(stranger)}`));
    const bad = await e2eCli(p, ['deploy', '--json']);
    assert.equal(bad.code, 2, bad.stdout + bad.stderr);
    assert.deepEqual(bad.json.error.details.issues.map((i: { code: string; path: string }) => `${i.code} ${i.path}`), ['SLW_CONFIG_PORT_IN_USE admin.listen']);
    // The daemon checks too, whatever a client sends it.
    const last = await new ApiClient(join(p.stateDir, 'daemon.sock')).stream('deploy', { configFile: p.configFile }, () => undefined);
    assert.ok(last.type === 'error', JSON.stringify(last));
    assert.equal(last.error.code, 'SLW_CONFIG_INVALID');
    assert.deepEqual((last.error.details?.['issues'] as { code: string }[]).map((i) => i.code), ['SLW_CONFIG_PORT_IN_USE']);
    assert.deepEqual(await instancePids(p), running, 'no instance started or stopped');
  } finally {
    stranger.close();
    await destroyProject(p);
  }
});

test('slipway check on the server names every secret the config uses that has no value here, at once; generate: ones are not missing; a value set passes', async () => {
  const p = await project();
  try {
    const http = await freedPort();
    const secrets = 'secrets:\n  DB_PASSWORD: {}\n  API_TOKEN: {}\n  SESSION_KEY: { generate: { kind: hex, bytes: 32 } }\n';
    const env = '    env:\n      DB: ${secret:DB_PASSWORD}\n      TOKEN: ${secret:API_TOKEN}\n      SESSION: ${secret:SESSION_KEY}\n';
    await writeFile(join(p.dir, 'app', 'server.js'), '');
    await writeFile(p.file, `${config({ http, extra: env })}${secrets}`);
    const args = ['check', '--json', '--config', p.file, '--state-dir', p.state];
    const refused = await cli(args, p.dir);
    assert.equal(refused.code, 2, refused.stdout + refused.stderr);
    const error = JSON.parse(refused.stdout.trim()).error;
    assert.equal(error.code, 'SLW_SECRETS_MISSING');
    assert.deepEqual(error.details.missing, ['API_TOKEN', 'DB_PASSWORD'], 'both at once; SESSION_KEY is made by the deploy');
    assert.match(error.hint, /slipway secrets set NAME/);
    // The file alone (CI, not the server) does not look at this machine's secrets.
    assert.equal((await cli([...args, '--skip-preflight'], p.dir)).code, 0);
    // Set one: the other is still named; set both: check passes.
    const set = (name: string) =>
      new Promise<number>((done) => {
        const child = spawn(process.execPath, [CLI, 'secrets', 'set', name, '--config', p.file, '--state-dir', p.state], { cwd: p.dir, stdio: ['pipe', 'ignore', 'ignore'] });
        child.stdin.end('a value of the test');
        child.on('close', (code) => done(code ?? 1));
      });
    assert.equal(await set('API_TOKEN'), 0);
    const one = await cli(args, p.dir);
    assert.deepEqual(JSON.parse(one.stdout.trim()).error.details.missing, ['DB_PASSWORD']);
    assert.equal(await set('DB_PASSWORD'), 0);
    const ok = await cli(args, p.dir);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.doesNotMatch(ok.stdout + ok.stderr + one.stdout + one.stderr, /a value of the test/);
  } finally {
    await rm(p.dir, { recursive: true, force: true });
  }
});
