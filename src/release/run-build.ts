import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SlipwayError } from '../errors.js';
import { formatDuration } from '../lib/duration.js';
// Generic leaf helper; belongs in src/lib/ (kept with the local driver until it moves there).
import { readLastLines } from '../drivers/local/tail-file.js';

export interface BuildOptions {
  /** The build command; argv[0] is looked up on env.PATH. Never run through a shell. */
  readonly argv: readonly string[];
  readonly cwd: string;
  /** The whole environment of the build (nothing is inherited from the daemon). */
  readonly env: Readonly<Record<string, string>>;
  /** Output (stdout and stderr) is appended here. */
  readonly logFile: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Between SIGTERM and SIGKILL when stopping a build (default 2 s). */
  readonly killGraceMs?: number;
}

const LAST_LINES = 20;

function openLog(logFile: string, argv: readonly string[]): { fd: number; offset: number } {
  mkdirSync(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a', 0o640);
  writeSync(fd, `[slipway] build: ${JSON.stringify(argv)} (started ${new Date().toISOString()})\n`);
  return { fd, offset: fstatSync(fd).size };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function spawnBuild(options: BuildOptions, fd: number): ChildProcess {
  const [file = '', ...args] = options.argv;
  try {
    return spawn(file, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
}

function spawnFailed(options: BuildOptions, err: NodeJS.ErrnoException): SlipwayError {
  const why = err.code === 'ENOENT' ? `${JSON.stringify(options.argv[0])} was not found, or ${options.cwd} does not exist` : err.message;
  return new SlipwayError('SLW_BUILD_SPAWN_FAILED', `The build command could not be started: ${why}.`, {
    cause: err,
    details: { argv: options.argv, cwd: options.cwd },
  });
}

/**
 * Runs a build in its own process group with its output appended to logFile. Rejects with
 * SLW_BUILD_FAILED (exit code and last lines) or SLW_BUILD_TIMEOUT (timeout or abort: the whole
 * group is stopped, SIGTERM then SIGKILL).
 */
export async function runBuild(options: BuildOptions): Promise<{ ms: number }> {
  if (options.argv.length === 0 || !options.argv[0]) {
    throw new SlipwayError('SLW_BUILD_SPAWN_FAILED', 'The build command is empty.', { details: { argv: options.argv } });
  }
  const began = performance.now();
  const { fd, offset } = openLog(options.logFile, options.argv);
  const child = spawnBuild(options, fd);
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (...a) => resolve(a)));
  const failedToSpawn = new Promise<NodeJS.ErrnoException>((resolve) => child.once('error', resolve));
  const pid = child.pid;
  if (pid === undefined) throw spawnFailed(options, await failedToSpawn);

  let stopReason: 'timeout' | 'aborted' | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (reason: 'timeout' | 'aborted'): void => {
    if (stopReason) return;
    stopReason = reason;
    killGroup(pid, 'SIGTERM');
    killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), options.killGraceMs ?? 2000);
  };
  const timer = setTimeout(() => stop('timeout'), options.timeoutMs);
  const onAbort = (): void => stop('aborted');
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const [code, signal] = await exited;
  clearTimeout(timer);
  clearTimeout(killTimer);
  options.signal?.removeEventListener('abort', onAbort);
  if (stopReason) killGroup(pid, 'SIGKILL'); // leftovers of the group, now the leader is gone

  const ms = Math.round(performance.now() - began);
  if (!stopReason && code === 0) return { ms };
  const lastLines = await readLastLines(options.logFile, LAST_LINES, { fromOffset: offset }).catch(() => []);
  if (stopReason) {
    const what = stopReason === 'timeout' ? `did not finish within ${formatDuration(options.timeoutMs)}` : 'was cancelled';
    throw new SlipwayError('SLW_BUILD_TIMEOUT', `The build ${what} and was stopped.`, {
      details: { reason: stopReason, timeoutMs: options.timeoutMs, ms, lastLines, logFile: options.logFile },
    });
  }
  const how = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
  throw new SlipwayError('SLW_BUILD_FAILED', `The build ${how}.`, {
    details: { exitCode: code, signal, ms, lastLines, logFile: options.logFile },
  });
}
