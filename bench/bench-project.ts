// A throwaway project for benchmarks: copies of examples/hello in a temp dir, the CLI run as a
// child process, and every process it leads to found through /proc and killed by pid.
import { execFile } from 'node:child_process';
import { killRemaining, pidsWithEnv } from '../src/lib/process-scan.js';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/lib/free-port.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const REPO_ROOT = resolve(HERE, '..', ...(HERE.includes('/dist/') ? ['..'] : []));
const CLI = join(REPO_ROOT, 'bin', 'slipway.js');
const HELLO = join(REPO_ROOT, 'examples', 'hello');
const MARK_VAR = 'SLIPWAY_BENCH_MARK';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall clock of the whole command, spawn to exit. */
  readonly ms: number;
  /** The last stdout line parsed as JSON (every command here runs with --json). */
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- shape checked by each bench
}

export class BenchProject {
  readonly mark = `bench-${randomBytes(6).toString('hex')}`;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  /** A project with one copy of examples/hello per app name (under <dir>/<app>). */
  static async create(apps: readonly string[]): Promise<BenchProject> {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-bench-'));
    for (const app of apps) {
      await cp(HELLO, join(dir, app), { recursive: true });
      await rm(join(dir, app, 'slipway.yaml'), { force: true });
    }
    return new BenchProject(dir, await freePort('127.0.0.1'));
  }

  get stateDir(): string {
    return join(this.dir, '.slipway');
  }

  /** The environment to start any other process with, so that destroy() finds and stops it too. */
  get env(): NodeJS.ProcessEnv {
    return { ...process.env, [MARK_VAR]: this.mark };
  }

  writeConfig(yaml: string): Promise<void> {
    return writeFile(join(this.dir, 'slipway.yaml'), yaml);
  }

  setVersion(app: string, version: string): Promise<void> {
    return writeFile(join(this.dir, app, 'version.txt'), `${version}\n`);
  }

  /** Runs `slipway <args> --json`; throws with the output when it exits non-zero. */
  cli(args: readonly string[]): Promise<CliRun> {
    return this.cliOn(join(this.dir, 'slipway.yaml'), args);
  }

  /** As cli, on another project's config file on the same host (this state dir). */
  cliOn(configFile: string, args: readonly string[]): Promise<CliRun> {
    const began = performance.now();
    return new Promise((done, fail) => {
      execFile(
        process.execPath,
        [CLI, ...args, '--json', '--config', configFile, '--state-dir', this.stateDir],
        { cwd: this.dir, env: this.env, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const ms = performance.now() - began;
          if (error) return fail(new Error(`slipway ${args.join(' ')} failed (${String(error.code)}): ${stdout}${stderr}`));
          let json: unknown;
          try {
            json = JSON.parse(stdout.trim().split('\n').pop() ?? '');
          } catch {
            json = undefined;
          }
          done({ code: 0, stdout, stderr, ms, json });
        },
      );
    });
  }

  /** Pids of every live process of this project: CLI runs, daemon, proxy, instances. */
  pids(): Promise<number[]> {
    return pidsWithEnv([`${MARK_VAR}=${this.mark}`, `SLIPWAY_OWNER=${this.stateDir}`]);
  }

  /** `slipway stop`, a grace period, then SIGKILL by pid for whatever is left; removes the dir. */
  async destroy(graceful: boolean): Promise<void> {
    if (graceful) await this.cli(['stop']).catch(() => undefined);
    await killRemaining(() => this.pids(), graceful ? 10_000 : 0);
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Runs a bench in a project; stops every process by pid on success, failure and Ctrl-C. */
export async function withProject(apps: readonly string[], bench: (p: BenchProject) => Promise<void>): Promise<void> {
  const project = await BenchProject.create(apps);
  const abort = (signal: NodeJS.Signals): void => {
    void project.destroy(false).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  try {
    await bench(project);
    await project.destroy(true);
  } catch (err) {
    await project.destroy(false);
    throw err;
  } finally {
    process.off('SIGINT', abort);
    process.off('SIGTERM', abort);
  }
}
