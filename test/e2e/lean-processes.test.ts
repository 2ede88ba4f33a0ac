// Each process loads only the npm packages its job needs. The CLI (a few commands), the daemon and
// the proxy run for real, with a preload (test/helpers/record-loads.mjs) that records every module
// they load; the slipway dependencies among them are checked against an allow-list per process,
// so that a heavy dependency (AWS SDK, ACME, X.509, mail, metrics, zod in the CLI) cannot creep
// back in through a static import unnoticed. BENCHMARKS.md has what each one costs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/lib/free-port.js';
import { NODE_FLAGS } from '../../src/lib/entry-points.js';
import { CLI, REPO_ROOT, destroyProject, makeProject, serviceYaml, setVersion, type Project } from '../helpers/e2e-project.js';

const RECORDER = fileURLToPath(new URL('../helpers/record-loads.mjs', import.meta.url));

/** slipway's own runtime dependencies: the packages the allow-lists are about. */
const DEPENDENCIES = Object.keys((JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);

const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  // Help, status, rollback and deploy check the API contract without zod (src/lib/json-check.ts).
  // deploy leaves slipway.yaml to the daemon, which checks it before anything changes; the CLI
  // loads the config schemas and the YAML parser only when the daemon refuses (test/e2e/bad-config.test.ts).
  'cli --help': [],
  'cli status': [],
  'cli rollback': [],
  'cli deploy': [],
  // The control plane without backups, certificates, alerts or admin configured. Its log lines are
  // written by src/lib/logger.ts, not pino. It checks its control API with generated JSON Schema
  // (src/api/contract.ts) and has slipway.yaml read by its config checker, so neither zod nor yaml.
  daemon: ['better-sqlite3', 'ignore'],
  // The daemon's config checker (src/config/checker-main.ts): the YAML parser and the schemas.
  'config checker': ['zod', 'yaml', 'ignore'],
  // The data plane: upstream pools (undici). It checks the daemon ⇄ proxy messages with generated
  // JSON Schema (src/proxy/protocol-contract.ts), not zod, and writes its few log lines itself
  // (src/lib/logger.ts), not with pino.
  proxy: ['undici'],
};

/** Packages a daemon must not load for what it is not configured to do. */
const NOT_CONFIGURED: Readonly<Record<string, string>> = {
  '@aws-sdk/client-s3': 'an S3 backup target',
  '@aws-sdk/lib-storage': 'an S3 backup target',
  'acme-client': 'a route with tls: auto',
  '@peculiar/x509': 'a TLS route or a TLS-ALPN challenge',
  nodemailer: 'an email notifier',
};

/** The package a module path or URL belongs to ("@scope/name" or "name"), if it is under node_modules. */
export function packageOf(location: string): string | undefined {
  const parts = location.split('/node_modules/').at(-1)?.split('/') ?? [];
  if (!location.includes('/node_modules/')) return undefined;
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** slipway's dashboard (src/dashboard/, compiled or not): only a daemon configured with `dashboard:` loads it. */
const DASHBOARD_CODE = /\/(src|dist\/src)\/dashboard\//;

/** Modules of the undici package the proxy must not load: the index (fetch, WebSocket, cache, mock agents come with it) and the web APIs. */
const UNDICI_NOT_IN_PROXY = /\/node_modules\/undici\/(index\.js|lib\/web\/|lib\/mock\/|lib\/cache\/)/;

/** Node built-ins an idle plain-HTTP proxy must not import (BENCHMARKS.md, Memory, step 4). */
const PROXY_LATE_BUILTINS: readonly string[] = ['node:zlib', 'node:child_process'];

/** Every module path or URL the recorder saw for one pid. */
async function modulesOf(log: string, pid: number): Promise<string[]> {
  const lines = (await readFile(log, 'utf8').catch(() => '')).split('\n');
  return lines.filter((line) => line.startsWith(`${pid} `)).map((line) => line.slice(line.indexOf(' ') + 1));
}

/** The argv a running process was started with, from /proc. */
async function cmdline(pid: number): Promise<string[]> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter((a) => a !== '');
}

/** pid → packages, from the recorder's log. */
async function packagesByPid(log: string): Promise<Map<number, Set<string>>> {
  const byPid = new Map<number, Set<string>>();
  for (const line of (await readFile(log, 'utf8').catch(() => '')).split('\n')) {
    const space = line.indexOf(' ');
    if (space < 0) continue;
    const name = packageOf(line.slice(space + 1));
    const pid = Number(line.slice(0, space));
    if (!byPid.has(pid)) byPid.set(pid, new Set());
    if (name) byPid.get(pid)?.add(name);
  }
  return byPid;
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- shape asserted below
}

/** `slipway <args> --json` under the recorder; the daemon and proxy it starts inherit the preload. */
function recorded(p: Project, log: string, args: readonly string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', RECORDER, CLI, ...args, '--json', '--config', p.configFile],
      { cwd: p.dir, env: { ...process.env, SLIPWAY_TEST_MARK: p.mark, SLIPWAY_LOADED_LOG: log }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => {
        let json: unknown;
        try {
          json = JSON.parse(stdout.trim().split('\n').pop() ?? '');
        } catch {
          json = undefined;
        }
        done({ code: error ? Number(error.code ?? 1) : 0, stdout, json });
      },
    );
  });
}

function onlyDependencies(found: ReadonlySet<string>): string[] {
  return DEPENDENCIES.filter((d) => found.has(d)).sort();
}

function assertAllowed(what: string, found: ReadonlySet<string> | undefined): void {
  assert.ok(found, `${what}: the recorder saw no module of this process`);
  const loaded = onlyDependencies(found);
  const extra = loaded.filter((d) => !ALLOWED[what]?.includes(d));
  assert.deepEqual(extra, [], `${what} loads ${extra.join(', ')} (all packages it loaded: ${[...found].sort().join(', ') || 'none'}); load it where it is used (await import) or extend the allow-list on purpose`);
}

test('the CLI, the daemon and the proxy load only the packages on their allow-lists', { timeout: 120_000 }, async () => {
  const p = await makeProject({ instances: 1, watch: '0s' });
  try {
    const log = (name: string): string => join(p.dir, `loaded-${name}.log`);
    const help = await recorded(p, log('help'), ['--help']);
    assert.equal(help.code, 0, help.stdout);

    const daemon = await recorded(p, log('daemon'), ['daemon', '--detach']);
    assert.equal(daemon.code, 0, daemon.stdout);
    await setVersion(p, 'v1');
    const first = await recorded(p, log('deploy'), ['deploy']);
    assert.equal(first.code, 0, first.stdout);
    await setVersion(p, 'v2');
    const second = await recorded(p, log('deploy2'), ['deploy']);
    assert.equal(second.code, 0, second.stdout);
    const status = await recorded(p, log('status'), ['status']);
    assert.equal(status.code, 0, status.stdout);
    const rollback = await recorded(p, log('rollback'), ['rollback']);
    assert.equal(rollback.json?.results?.[0]?.outcome, 'succeeded', rollback.stdout);

    const cliOf = async (name: string, run: Run): Promise<Set<string> | undefined> => {
      const byPid = await packagesByPid(log(name));
      assert.ok(run.code === 0 || name === 'rollback');
      // The CLI process is the first pid in its own log (the daemon writes to the daemon log).
      const firstPid = Number((await readFile(log(name), 'utf8')).split(' ', 1)[0]);
      return byPid.get(firstPid);
    };
    assertAllowed('cli --help', await cliOf('help', help));
    assertAllowed('cli status', await cliOf('status', status));
    assertAllowed('cli rollback', await cliOf('rollback', rollback));
    assertAllowed('cli deploy', await cliOf('deploy', first));
    // The CLI runs bundled (scripts/bundle-cli.mjs): slipway's own modules come from dist/src/cli-bundle/ alone.
    const helpPid = Number((await readFile(log('help'), 'utf8')).split(' ', 1)[0]);
    const own = (await modulesOf(log('help'), helpPid)).filter((m) => !m.startsWith('node:') && !m.includes('/node_modules/'));
    assert.ok(own.some((m) => m.endsWith('/dist/src/cli-bundle/main.js')), `the CLI ran from its bundle (modules: ${own.join(', ')})`);
    assert.deepEqual(own.filter((m) => m.includes('/dist/src/') && !m.includes('/dist/src/cli-bundle/')), [], 'the CLI loads no unbundled module of slipway');

    // The daemon and the proxy write to the log of the CLI run that started them.
    const started = await packagesByPid(log('daemon'));
    const daemonPid = status.json.daemon.pid as number;
    const proxyPid = status.json.proxy.pid as number;
    assertAllowed('daemon', started.get(daemonPid));
    assertAllowed('proxy', started.get(proxyPid));
    // The config checker the daemon started (a child of it, with the recorder too) did load zod and yaml.
    const checkers = [...started].filter(([pid, found]) => pid !== daemonPid && pid !== proxyPid && found.has('zod'));
    assert.ok(checkers.length > 0, `a config checker with zod ran beside the daemon (pids seen: ${[...started.keys()].join(', ')})`);
    for (const [, found] of checkers) assertAllowed('config checker', found);
    // The recorder does see packages: the proxy's upstream pool is undici, the daemon's store SQLite.
    assert.ok(started.get(proxyPid)?.has('undici'), 'the recorder saw undici in the proxy');
    assert.ok(started.get(daemonPid)?.has('better-sqlite3'), 'the recorder saw better-sqlite3 in the daemon');
    // Within undici, the proxy loads the pool and its stream API, not the package's index and what it brings.
    const proxyModules = await modulesOf(log('daemon'), proxyPid);
    assert.ok(proxyModules.some((m) => m.includes('/node_modules/undici/lib/dispatcher/pool.js')), 'the recorder saw undici\'s pool in the proxy');
    const heavy = proxyModules.filter((m) => UNDICI_NOT_IN_PROXY.test(m));
    assert.deepEqual(heavy, [], 'the proxy loads undici\'s pool alone (src/proxy/upstream-pool.ts), not its index');
    // Without `dashboard:` neither process loads a module of the dashboard.
    const daemonModules = await modulesOf(log('daemon'), daemonPid);
    assert.ok(daemonModules.some((m) => m.includes('/daemon/')), 'the recorder saw the daemon\'s own modules');
    assert.deepEqual(daemonModules.filter((m) => DASHBOARD_CODE.test(m)), [], 'the daemon loads the dashboard only when configured');
    assert.deepEqual(proxyModules.filter((m) => DASHBOARD_CODE.test(m)), [], 'the proxy never loads the dashboard');
    // Node built-ins the proxy loads at first use only (process.getBuiltinModule): zlib with the first compressed
    // response, child_process with the first restart or command probe. (undici's pool itself loads http2 and tls.)
    const eager = proxyModules.filter((m) => PROXY_LATE_BUILTINS.includes(m));
    assert.deepEqual(eager, [], 'the proxy imports node:zlib and node:child_process only where it uses them');
    assert.ok(proxyModules.includes('node:http'), 'the recorder sees the built-ins the proxy imports (node:http)');
    // Both processes run with their memory flags (src/lib/entry-points.ts; BENCHMARKS.md, Memory, measures them).
    for (const [name, pid] of [['daemon', daemonPid], ['proxy', proxyPid]] as const) {
      const argv = await cmdline(pid);
      for (const flag of NODE_FLAGS[name]) assert.ok(argv.includes(flag), `the ${name} runs with ${flag} (argv: ${argv.join(' ')})`);
      // Started by the bundled CLI, each runs its compiled entry point (src/lib/entry-points.ts, from a chunk in dist/src/cli-bundle/).
      assert.ok(argv.includes(join(REPO_ROOT, 'dist', 'src', name, 'main.js')), `the ${name} runs dist/src/${name}/main.js (argv: ${argv.join(' ')})`);
    }
  } finally {
    await recorded(p, join(p.dir, 'stop.log'), ['stop']).catch(() => undefined);
    await destroyProject(p);
  }
});

test('a daemon with local backups, a webhook notifier, admin and the dashboard loads no S3 client, ACME client, X.509 library or mail transport', { timeout: 120_000 }, async () => {
  const p = await makeProject({ instances: 1, watch: '0s' });
  try {
    const admin = await freePort();
    const dashboard = await freePort();
    await mkdir(join(p.dir, 'data'), { recursive: true });
    await writeFile(join(p.dir, 'data', 'file.txt'), 'kept\n');
    await writeFile(
      p.configFile,
      `version: 1\nproxy:\n  http: ${p.port}\n  host: 127.0.0.1\nadmin:\n  listen: 127.0.0.1:${admin}\ndashboard:\n  listen: 127.0.0.1:${dashboard}\n` +
        'alerts:\n  notify:\n    - { type: webhook, url: "http://127.0.0.1:9/hook" }\n' +
        'backups:\n  encrypt: false\n  targets: { local: { dir: ./backups } }\n  sources:\n    files: { dir: ./data }\n' +
        `services:\n${serviceYaml('web', { instances: 1, watch: '0s' })}`,
    );
    const log = join(p.dir, 'loaded-daemon.log');
    const daemon = await recorded(p, log, ['daemon', '--detach']);
    assert.equal(daemon.code, 0, daemon.stdout);
    await setVersion(p, 'v1');
    const deploy = await recorded(p, join(p.dir, 'loaded-deploy.log'), ['deploy']);
    assert.equal(deploy.code, 0, deploy.stdout);
    const backup = await recorded(p, join(p.dir, 'loaded-backup.log'), ['backup', 'run']);
    assert.equal(backup.code, 0, backup.stdout);
    const metrics = await fetch(`http://127.0.0.1:${admin}/metrics`);
    assert.equal(metrics.status, 200);
    const status = await recorded(p, join(p.dir, 'loaded-status.log'), ['status']);
    const loaded = (await packagesByPid(log)).get(status.json.daemon.pid as number);
    assert.ok(loaded, 'the recorder saw the daemon');
    // What is configured did load (the recorder is not blind): the metrics library for admin:.
    assert.ok(loaded.has('prom-client'), `prom-client for admin: (loaded: ${[...loaded].sort().join(', ')})`);
    for (const [name, needs] of Object.entries(NOT_CONFIGURED)) {
      assert.ok(!loaded.has(name), `the daemon loaded ${name} without ${needs} (loaded: ${[...loaded].sort().join(', ')})`);
    }
    // The dashboard, configured, loads in the daemon (and no package with it), never in the proxy.
    assert.equal((await fetch(`http://127.0.0.1:${dashboard}/`)).status, 401);
    assert.ok((await modulesOf(log, status.json.daemon.pid as number)).some((m) => DASHBOARD_CODE.test(m)), 'the daemon loaded the dashboard');
    const proxyModules = await modulesOf(log, status.json.proxy.pid as number);
    assert.ok(proxyModules.length > 0, 'the recorder saw the proxy');
    assert.deepEqual(proxyModules.filter((m) => DASHBOARD_CODE.test(m)), [], 'the proxy never loads the dashboard');
  } finally {
    await recorded(p, join(p.dir, 'stop.log'), ['stop']).catch(() => undefined);
    await destroyProject(p);
  }
});
