// A throwaway slipway project for the demo: a copy of examples/hello in a temp dir, the CLI
// run as child processes, and every process it leads to found through /proc and killed by pid.
import { spawn } from 'node:child_process';
import { isPidAlive } from '../../src/lib/pid-alive.js';
import { killRemaining, pidsWithEnv } from '../../src/lib/process-scan.js';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/lib/free-port.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = resolve(HERE, '..', '..', ...(HERE.includes('/dist/') ? ['..'] : []));
const CLI = join(ROOT, 'bin', 'slipway.js');
const HELLO = join(ROOT, 'examples', 'hello');
/** Carried by the CLI and the daemon it detaches; instances carry SLIPWAY_OWNER=<stateDir>. */
const MARK_VAR = 'SLIPWAY_DEMO_MARK';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export class Sandbox {
  readonly mark = `demo-${randomBytes(6).toString('hex')}`;
  readonly #running = new Set<number>();
  #closed = false;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async create(): Promise<Sandbox> {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-demo-'));
    await cp(HELLO, join(dir, 'app'), { recursive: true });
    await rm(join(dir, 'app', 'slipway.yaml'), { force: true });
    return new Sandbox(dir, await freePort('127.0.0.1'));
  }

  get appDir(): string {
    return join(this.dir, 'app');
  }

  get stateDir(): string {
    return join(this.dir, '.slipway');
  }

  writeConfig(yaml: string): Promise<void> {
    return writeFile(join(this.dir, 'slipway.yaml'), yaml);
  }

  setVersion(version: string): Promise<void> {
    return writeFile(join(this.appDir, 'version.txt'), `${version}\n`);
  }

  /** Runs `slipway <args>` (no stdin, no TTY); each stdout line goes to onLine as it arrives. */
  cli(args: readonly string[], onLine?: (line: string) => void): Promise<CliRun> {
    const began = performance.now();
    if (this.#closed) return Promise.resolve({ code: 1, stdout: '', stderr: 'the demo is stopping', ms: 0 });
    const child = spawn(process.execPath, [CLI, ...args, '--config', join(this.dir, 'slipway.yaml')], {
      cwd: this.dir,
      env: { ...process.env, [MARK_VAR]: this.mark, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid !== undefined) this.#running.add(child.pid);
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine?.(line);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    return new Promise((done) => {
      child.on('error', (err) => (stderr += err.message));
      child.on('close', (code) => {
        if (child.pid !== undefined) this.#running.delete(child.pid);
        if (partial) onLine?.(partial);
        done({ code: code ?? 1, stdout, stderr, ms: performance.now() - began });
      });
    });
  }

  /** Pids of every live process this sandbox started: CLI runs, daemon, proxy, instances. */
  async pids(): Promise<number[]> {
    const marked = await pidsWithEnv([`${MARK_VAR}=${this.mark}`, `SLIPWAY_OWNER=${this.stateDir}`]);
    const running = [...this.#running].filter((pid) => !marked.includes(pid) && isPidAlive(pid));
    return [...marked, ...running];
  }

  /** Waits up to graceMs for the processes to exit by themselves, then SIGKILLs what is left, by pid; returns how many. */
  async destroy(graceMs = 0): Promise<number> {
    this.#closed = true;
    const killed = await killRemaining(() => this.pids(), graceMs);
    await rm(this.dir, { recursive: true, force: true });
    return killed;
  }
}
