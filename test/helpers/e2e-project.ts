import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/lib/free-port.js';
import { isPidAlive } from '../../src/lib/pid-alive.js';
import { killRemaining, pidsWithEnv } from '../../src/lib/process-scan.js';
import { projectNameOfDir } from '../../src/config/project-name.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', ...(import.meta.url.includes('/dist/') ? ['..'] : []));
export const REPO_ROOT = ROOT;
export const CLI = join(ROOT, 'bin', 'slipway.js');
export const HELLO = join(ROOT, 'examples', 'hello');

/** A throwaway project: a copy of examples/hello, a slipway.yaml, its own state dir and proxy port. */
export interface Project {
  readonly dir: string;
  readonly appDir: string;
  readonly configFile: string;
  readonly stateDir: string;
  readonly port: number;
  /** Every process the test starts carries SLIPWAY_TEST_MARK=<mark> or SLIPWAY_OWNER=<stateDir>. */
  readonly mark: string;
}

export interface ServiceOptions {
  readonly instances?: number;
  readonly watch?: string;
  readonly drain?: string;
  readonly keepWarm?: string;
  readonly startTimeout?: string;
  readonly env?: Record<string, string>;
  readonly interval?: string;
}

export function serviceYaml(name: string, o: ServiceOptions = {}, host = 'hello.localhost'): string {
  const env = o.env && Object.keys(o.env).length > 0 ? `    env: { ${Object.entries(o.env).map(([k, v]) => `${k}: "${v}"`).join(', ')} }\n` : '';
  return [
    `  ${name}:`,
    '    source: ./app',
    '    run: node server.js',
    '    routes:',
    `      - host: ${host}`,
    `    health: { path: /health, interval: ${o.interval ?? '200ms'}, timeout: 1s, rise: 2, fall: 2, startTimeout: ${o.startTimeout ?? '20s'} }`,
    `    instances: ${o.instances ?? 2}`,
    `    drain: ${o.drain ?? '5s'}`,
    `    keepWarm: ${o.keepWarm ?? '10m'}`,
    `    watch: ${o.watch ?? '1s'}`,
    '    stopTimeout: 3s',
  ].join('\n') + '\n' + env;
}

export async function makeProject(o: ServiceOptions = {}): Promise<Project> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-e2e-'));
  const appDir = join(dir, 'app');
  await cp(HELLO, appDir, { recursive: true });
  await rm(join(appDir, 'slipway.yaml'), { force: true });
  const port = await freePort();
  const project: Project = {
    dir,
    appDir,
    configFile: join(dir, 'slipway.yaml'),
    stateDir: join(dir, '.slipway'),
    port,
    mark: `e2e-${randomBytes(6).toString('hex')}`,
  };
  await writeConfig(project, o);
  return project;
}

export async function writeConfig(p: Project, o: ServiceOptions = {}): Promise<void> {
  await writeFile(p.configFile, `version: 1\nproxy:\n  http: ${p.port}\n  host: 127.0.0.1\nservices:\n${serviceYaml('web', o)}`);
}

export async function setVersion(p: Project, version: string): Promise<void> {
  await writeFile(join(p.appDir, 'version.txt'), `${version}\n`);
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The last stdout line parsed as JSON, when it is JSON. */
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience: shape asserted by each test
}

/** Runs this build's CLI (or `program`, another build's, for upgrade tests) on the project. */
export function cli(p: Project, args: readonly string[], env: Record<string, string> = {}, program = CLI): Promise<CliResult> {
  return run(p, [program, ...args, '--config', p.configFile], env);
}

/** Runs this build's CLI on another project's config file, on the same host (this project's state dir). */
export function cliOn(p: Project, configFile: string, args: readonly string[]): Promise<CliResult> {
  return run(p, [CLI, ...args, '--config', configFile, '--state-dir', p.stateDir], {});
}

function run(p: Project, argv: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      argv,
      { cwd: p.dir, env: { ...process.env, SLIPWAY_TEST_MARK: p.mark, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        const last = stdout.trim().split('\n').pop() ?? '';
        let json: unknown;
        try {
          json = JSON.parse(last);
        } catch {
          json = undefined;
        }
        done({ code, stdout, stderr, json });
      },
    );
  });
}

/** Where the project's release folders of `service` are (a project's releases live under projects/<name>/releases). */
export function releasesOf(p: Project, service: string): string {
  return join(p.stateDir, 'projects', projectNameOfDir(p.dir), 'releases', service);
}

/** Pids of every process of this project (daemon, proxy, instances), found through /proc. */
export function projectPids(p: Project): Promise<number[]> {
  return pidsWithEnv([`SLIPWAY_TEST_MARK=${p.mark}`, `SLIPWAY_OWNER=${p.stateDir}`]);
}

/** Stops everything the project started, by pid (SIGKILL), and removes its directory. */
export async function destroyProject(p: Project): Promise<void> {
  await killRemaining(() => projectPids(p), 0);
  await rm(p.dir, { recursive: true, force: true });
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Pids of the project's app instances only (they carry SLIPWAY_OWNER=<stateDir>). */
export function instancePids(p: Project): Promise<number[]> {
  return pidsWithEnv([`SLIPWAY_OWNER=${p.stateDir}`]);
}

/** The daemon log's last lines, for an assertion's message when the daemon would not start. */
export async function daemonLogTail(p: Project, lines = 30): Promise<string> {
  const text = await readFile(join(p.stateDir, 'logs', 'daemon.log'), 'utf8').catch((e: Error) => `(no daemon log: ${e.message})`);
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export async function daemonPid(p: Project): Promise<number | undefined> {
  const text = await readFile(join(p.stateDir, 'daemon.pid'), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return pid > 0 ? pid : undefined;
}

/** A running process (a zombie, killed and not yet reaped, is not: see src/lib/pid-alive.ts). */
export function isAlive(pid: number): boolean {
  return isPidAlive(pid);
}

/** Starts the project's daemon and deploys `version` (v1 by default); fails the test on any error. */
export async function startAndDeploy(p: Project, version = 'v1'): Promise<void> {
  const daemon = await cli(p, ['daemon', '--detach']);
  if (daemon.code !== 0) throw new Error(`daemon --detach exited ${daemon.code}: ${daemon.stdout}${daemon.stderr}`);
  await setVersion(p, version);
  const deploy = await cli(p, ['deploy']);
  if (deploy.code !== 0) throw new Error(`deploy of ${version} exited ${deploy.code}: ${deploy.stdout}${deploy.stderr}`);
}
