// Remote control: the CLI on a "laptop" drives the daemon on a "server" through a real sshd
// (Debian's openssh-server on loopback, key auth only, host key checked against known_hosts).
// The laptop's project folder is sent as a source snapshot; deploy, status, rollback and history
// run from the laptop's side; every failure of the way there is a coded error that changes
// nothing. Two services: the Node hello app and python's http.server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../src/lib/free-port.js';
import { CLI, REPO_ROOT, cli, destroyProject, makeProject, serviceYaml, setVersion, type Project } from '../helpers/e2e-project.js';
import { httpAnswer } from '../helpers/http-answer.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';

const REMOTE_COMMAND = `${process.execPath} ${CLI}`;

function remoteEnv(s: Sshd, extra: Record<string, string> = {}): Record<string, string> {
  return { SLIPWAY_SSH_COMMAND: `ssh -F ${s.clientConfig}`, SLIPWAY_REMOTE_COMMAND: REMOTE_COMMAND, SLIPWAY_HOST: '', ...extra };
}

/** The laptop's CLI: --host, the server's state dir, this project's config file. */
function laptop(p: Project, s: Sshd, args: readonly string[], env: Record<string, string> = {}): ReturnType<typeof cli> {
  return cli(p, [...args, '--host', s.url, '--state-dir', p.stateDir], remoteEnv(s, env));
}

async function served(p: Project, host: string, path = '/'): Promise<string> {
  const a = await httpAnswer({ host: '127.0.0.1', port: p.port, path, headers: { host } });
  return `${a.status} ${a.body.trim()}`;
}

/** A build of slipway that says it is another version (its own copy of dist/, one constant changed). */
async function otherVersionBuild(dir: string): Promise<string> {
  await mkdir(join(dir, 'bin'), { recursive: true });
  await cp(join(REPO_ROOT, 'bin', 'slipway.js'), join(dir, 'bin', 'slipway.js'));
  await cp(join(REPO_ROOT, 'dist', 'src'), join(dir, 'dist', 'src'), { recursive: true });
  await cp(join(REPO_ROOT, 'package.json'), join(dir, 'package.json'));
  await symlink(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  // The compiled constant (the daemon's) and its copy in the bundled CLI's chunks (scripts/bundle-cli.mjs).
  const declaration = /VERSION = (['"])0\.1\.0\1/;
  const files = [join(dir, 'dist', 'src', 'version.js')];
  for (const name of await readdir(join(dir, 'dist', 'src', 'cli-bundle'))) {
    const file = join(dir, 'dist', 'src', 'cli-bundle', name);
    if (declaration.test(await readFile(file, 'utf8'))) files.push(file);
  }
  assert.equal(files.length, 2, `the version is declared once in dist/src/version.js and once in the bundle (${files.join(', ')})`);
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    assert.match(text, declaration);
    await writeFile(file, text.replace(declaration, "VERSION = '0.0.9'"));
  }
  return `${process.execPath} ${join(dir, 'bin', 'slipway.js')}`;
}

test('--host ssh://: deploy a folder, status, rollback and history from the laptop; coded errors on the way there', { timeout: 300_000 }, async () => {
  const s = await startSshd();
  const p = await makeProject();
  try {
    await mkdir(join(p.dir, 'files'), { recursive: true });
    await writeFile(join(p.dir, 'files', 'index.html'), 'files one\n');
    const files = ['  files:', '    source: ./files', '    run: exec python3 -m http.server $PORT --bind 127.0.0.1', '    routes: [{ host: files.localhost }]', '    health: { path: /, interval: 200ms, rise: 1 }', '    drain: 1s', '    watch: 1s'].join('\n');
    await writeFile(p.configFile, `version: 1\nproxy: { http: ${p.port}, host: 127.0.0.1 }\nservices:\n${serviceYaml('web', { instances: 1, drain: '1s' })}${files}\n`);
    await setVersion(p, 'v1');

    // The daemon runs on the server (as `slipway service install` would leave it).
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);

    // Before anything is sent: each way to fail is coded, and nothing reaches the server.
    const closedPort = await freePort();
    const unreachable = await cli(p, ['deploy', '--json', '--host', `ssh://root@127.0.0.1:${closedPort}`, '--state-dir', p.stateDir], remoteEnv(s));
    assert.equal(unreachable.json?.error?.code, 'SLW_SSH_UNREACHABLE', `exit ${unreachable.code}: ${unreachable.stdout}${unreachable.stderr}`);
    const stranger = await laptop(p, s, ['deploy', '--json'], { SLIPWAY_SSH_COMMAND: `ssh -F ${await s.clientWith('stranger', { key: s.strangerKey })}` });
    assert.equal(stranger.json?.error?.code, 'SLW_SSH_AUTH', stranger.stdout + stranger.stderr);
    const unknownHost = await laptop(p, s, ['status', '--json'], { SLIPWAY_SSH_COMMAND: `ssh -F ${await s.clientWith('fresh', { knownHosts: '' })}` });
    assert.equal(unknownHost.json?.error?.code, 'SLW_SSH_HOST_KEY', unknownHost.stdout + unknownHost.stderr);
    const noSlipway = await laptop(p, s, ['deploy', '--json'], { SLIPWAY_REMOTE_COMMAND: 'slipway-not-installed-here' });
    assert.equal(noSlipway.json?.error?.code, 'SLW_SSH_REMOTE_COMMAND', noSlipway.stdout + noSlipway.stderr);
    const other = await laptop(p, s, ['deploy', '--json'], { SLIPWAY_REMOTE_COMMAND: await otherVersionBuild(join(s.dir, 'other')) });
    assert.equal(other.json?.error?.code, 'SLW_SSH_VERSION_MISMATCH', other.stdout + other.stderr);
    assert.match(other.json.error.message, /0\.1\.0.*0\.0\.9/);
    const otherStatus = await laptop(p, s, ['status', '--json'], { SLIPWAY_REMOTE_COMMAND: await otherVersionBuild(join(s.dir, 'other2')) });
    assert.equal(otherStatus.json?.error?.code, 'SLW_SSH_VERSION_MISMATCH', otherStatus.stdout + otherStatus.stderr);
    const badUrl = await cli(p, ['status', '--json'], { ...remoteEnv(s), SLIPWAY_HOST: 'ssh://me:secret@server' });
    assert.equal(badUrl.json?.error?.code, 'SLW_HOST_URL_INVALID');
    assert.doesNotMatch(badUrl.stdout + badUrl.stderr, /secret/, 'no password in the message');
    assert.equal(existsSync(join(p.stateDir, 'uploads')), false, 'nothing was sent');
    const nothing = await cli(p, ['status', '--json']);
    assert.equal(nothing.code, 0, nothing.stderr);
    assert.deepEqual(nothing.json.services ?? [], [], 'nothing was deployed');

    // The laptop deploys its folder; the server builds from the snapshot it was sent.
    const first = await laptop(p, s, ['deploy', '--json']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(await served(p, 'hello.localhost'), '200 hello from v1');
    assert.equal(await served(p, 'files.localhost', '/index.html'), '200 files one');
    assert.ok(existsSync(join(p.stateDir, 'uploads')), 'the snapshot is on the server');

    await setVersion(p, 'v2');
    await writeFile(join(p.dir, 'files', 'index.html'), 'files two\n');
    const second = await laptop(p, s, ['deploy']);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.match(second.stdout, /web/);
    assert.equal(await served(p, 'hello.localhost'), '200 hello from v2');
    assert.equal(await served(p, 'files.localhost', '/index.html'), '200 files two');

    // status from the laptop names both services; the server's own CLI says the same.
    const remoteStatus = await laptop(p, s, ['status', '--json']);
    assert.equal(remoteStatus.code, 0, remoteStatus.stdout + remoteStatus.stderr);
    const names = (remoteStatus.json.services as { name: string }[]).map((v) => v.name).sort();
    assert.deepEqual(names, ['files', 'web']);
    const text = await laptop(p, s, ['status']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /web/);
    assert.match(text.stdout, /files/);

    const back = await laptop(p, s, ['rollback', 'web', '--json']);
    assert.equal(back.code, 0, back.stdout + back.stderr);
    assert.equal(await served(p, 'hello.localhost'), '200 hello from v1');
    assert.equal(await served(p, 'files.localhost', '/index.html'), '200 files two', 'only web rolled back');

    const history = await laptop(p, s, ['history', '--json']);
    assert.equal(history.code, 0, history.stderr);
    const kinds = (history.json.deployments as { service: string; kind: string }[]).map((d) => `${d.service} ${d.kind}`).reverse();
    // A deploy of both services is one stack entry; the rollback of one service is its own.
    assert.deepEqual(kinds, ['web,files deploy', 'web,files deploy', 'web rollback']);

    // plan compares the laptop's folder with what the server runs; daemon reload is an API call;
    // secrets run whole on the server (their store is the server's).
    const plan = await laptop(p, s, ['plan']);
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /files/);
    const reload = await laptop(p, s, ['daemon', 'reload', '--json']);
    assert.equal(reload.code, 0, reload.stdout + reload.stderr);
    assert.deepEqual(reload.json.applied, []);
    const secrets = await laptop(p, s, ['secrets', 'list']);
    assert.equal(secrets.code, 0, secrets.stdout + secrets.stderr);

    // After a release runs, the same failures still change nothing.
    const late = await laptop(p, s, ['rollback', 'web', '--json'], { SLIPWAY_SSH_COMMAND: `ssh -F ${await s.clientWith('stranger2', { key: s.strangerKey })}` });
    assert.equal(late.json?.error?.code, 'SLW_SSH_AUTH');
    assert.equal(await served(p, 'hello.localhost'), '200 hello from v1');
  } finally {
    await destroyProject(p);
    await s.stop();
    await rm(s.dir, { recursive: true, force: true });
  }
});
