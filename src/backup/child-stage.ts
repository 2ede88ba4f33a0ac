import { spawn } from 'node:child_process';
import { Duplex, Readable } from 'node:stream';
import type { Writable } from 'node:stream';
import { SlipwayError, type ErrorCode } from '../errors.js';

/** One process of a backup, verify or restore pipeline (pg_dump, zstd, tar, pg_restore…). */
export interface ChildStage {
  /** The program's name, for messages (never the whole argv: it may carry a database URL). */
  readonly name: string;
  readonly pid: number | undefined;
  readonly stdin: Writable | null;
  /**
   * The process's stdout, gated on its exit status: it ends only after the process exited 0,
   * and errors when it exited otherwise. A failed source therefore never looks like a short,
   * complete dump to the stages after it (pipefail).
   */
  readonly output: Readable;
  /** Resolves on exit 0; rejects with a SlipwayError naming the program and its last error lines. */
  readonly exited: Promise<void>;
  /** Sends SIGTERM, then SIGKILL after a grace period, unless the process is gone. */
  kill(): void;
}

export interface StageOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly stdin: 'pipe' | 'ignore';
  /** The code of the error when the process exits non-zero. */
  readonly failCode: ErrorCode;
  /** Strings to blank out of the error output (passwords). */
  readonly redact?: readonly string[];
  readonly cwd?: string;
}

const TAIL_BYTES = 4096;
const KILL_GRACE_MS = 2000;

/** Spawns argv (never through a shell) as a pipeline stage. */
export function spawnStage(argv: readonly string[], options: StageOptions): ChildStage {
  const [file = '', ...args] = argv;
  const name = file.split('/').pop() ?? file;
  const child = spawn(file, args, { env: options.env, cwd: options.cwd, stdio: [options.stdin, 'pipe', 'pipe'] });
  let tail = '';
  const { stdout, stderr } = child as unknown as { stdout: Readable; stderr: Readable };
  stderr.setEncoding('utf8');
  stderr.on('data', (text: string) => {
    tail = (tail + text).slice(-TAIL_BYTES);
  });
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'ENOENT'
          ? new SlipwayError('SLW_BACKUP_TOOL_MISSING', `${name} is not installed (or not on the PATH).`, { cause: err })
          : new SlipwayError(options.failCode, `${name} could not be started: ${err.message}`, { cause: err }),
      );
    });
    child.once('close', (code, signal) => {
      if (code === 0) return resolve();
      const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
      const lastLines = redact(tail.trim(), options.redact ?? []);
      reject(
        new SlipwayError(options.failCode, `${name} ${how}${lastLines ? `: ${lastLines.split('\n').slice(-5).join(' / ')}` : '.'}`, {
          details: { program: name, exitCode: code, signal, stderr: lastLines },
        }),
      );
    });
  });
  exited.catch(() => undefined); // observed through `output` or by the caller
  let killTimer: NodeJS.Timeout | undefined;
  const kill = (): void => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    killTimer ??= setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    killTimer.unref();
  };
  void exited.finally(() => clearTimeout(killTimer)).catch(() => undefined);
  return { name, pid: child.pid, stdin: child.stdin, output: gated(stdout, exited), exited, kill };
}

async function* passThenCheck(stdout: Readable, exited: Promise<void>): AsyncGenerator<Buffer> {
  for await (const chunk of stdout) yield chunk as Buffer;
  await exited;
}

function gated(stdout: Readable, exited: Promise<void>): Readable {
  return Readable.from(passThenCheck(stdout, exited), { objectMode: false });
}

/** A Duplex over a filter process: writes go to its stdin, reads come from its gated stdout. */
export function stageDuplex(stage: ChildStage): Duplex {
  if (!stage.stdin) throw new Error(`${stage.name} was spawned without a stdin pipe`);
  return Duplex.from({ writable: stage.stdin, readable: stage.output });
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('***');
  return out;
}

/** Reads and drops a stage's stdout (e.g. `tar --list` names); its exit status still counts. */
export function drainOutput(stage: ChildStage): void {
  stage.output.on('error', () => undefined).resume();
}
