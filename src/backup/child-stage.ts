import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Duplex, Readable, Writable } from 'node:stream';
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
  /**
   * Where stdout goes: a pipe read by Node (default), or the stdin of another process (a
   * stream with a file descriptor: the process writes into it directly, and `output` is then
   * empty, ending once the process exited 0).
   */
  readonly stdout?: Writable;
  /** The code of the error when the process exits non-zero. */
  readonly failCode: ErrorCode;
  /** Picks a more precise code from the process's last error output (e.g. a wrong key). */
  readonly classify?: (stderr: string) => ErrorCode | undefined;
  /** Called once the process is spawned, with its exit (e.g. to feed it a secret, then clean up). */
  readonly onSpawn?: (exited: Promise<void>) => void;
  /** Strings to blank out of the error output (passwords). */
  readonly redact?: readonly string[];
  readonly cwd?: string;
  /**
   * Checked after an exit 0, on the process's last error output (e.g. the sizes `zstd -vv`
   * reports): an error returned here makes the exit count as a failure.
   */
  readonly checkExit?: (stderr: string) => Error | undefined;
}

const TAIL_BYTES = 4096;
const KILL_GRACE_MS = 2000;

/** Spawns argv (never through a shell) as a pipeline stage. */
export function spawnStage(argv: readonly string[], options: StageOptions): ChildStage {
  const started = start(argv, options, options.stdin, options.stdout);
  return { ...started.stage, output: gated(started.stdout ?? Readable.from([]), started.stage.exited) };
}

/**
 * Spawns filter processes connected stdout to stdin by the kernel (`zstd | age`): no byte of
 * the data between them passes through Node. Writes go to the first one's stdin; reads come
 * from the last one's stdout, which ends only once every process of the chain exited 0.
 */
export function spawnChain(stages: readonly { readonly argv: readonly string[]; readonly options: Omit<StageOptions, 'stdin'> }[]): {
  readonly stream: Duplex;
  readonly children: readonly ChildStage[];
} {
  const { started, first, last } = startLinked(stages, 'spawnChain');
  const exits = upstreamFirst(started.map((s) => s.stage.exited));
  const all = Promise.all(exits).then(() => undefined);
  all.catch(() => undefined); // observed through the output and by the flow
  const output = gated(last.stdout, all);
  const children = started.map((s, i) => ({ ...s.stage, exited: exits[i]!, output }));
  if (!first.stage.stdin) throw new Error(`${first.stage.name} was spawned without a stdin pipe`);
  const stream = Duplex.from({ writable: feeder(first.stage.stdin, all), readable: output });
  // Once its writable side finished, a Duplex.from pair no longer passes a teardown on to its
  // readable side: do it here, or a failed run would wait forever on the last process's output.
  stream.once('close', () => {
    output.destroy();
    last.stdout.destroy();
  });
  return { stream, children };
}

/**
 * A chain fed by another process rather than by Node (`pg_dump | zstd | age`): `input` is the
 * first process's stdin, to be handed as stdout to the process that writes the data (then
 * closed here with `releaseInput`), so the raw bytes go from one process to the next without
 * passing through Node. The output ends only once every process of the chain exited 0 and
 * `upstream` (the writer's exit) resolved.
 */
export function spawnFedChain(
  stages: readonly { readonly argv: readonly string[]; readonly options: Omit<StageOptions, 'stdin'> }[],
  upstream: Promise<void>,
): { readonly input: Writable; readonly output: Readable; readonly children: readonly ChildStage[]; releaseInput(): void } {
  const { started, first, last } = startLinked(stages, 'spawnFedChain');
  if (!first.stage.stdin) throw new Error(`${first.stage.name} was spawned without a stdin pipe`);
  const input = first.stage.stdin;
  const exits = upstreamFirst(started.map((s) => s.stage.exited));
  const all = Promise.all([upstream, ...exits]).then(() => undefined);
  all.catch(() => undefined); // observed through the output and by the flow
  const output = gated(last.stdout, all);
  const children = started.map((s, i) => ({ ...s.stage, exited: exits[i]!, output }));
  // Node's end of the pipe into the first process: closed once the writer holds its own copy,
  // so the first process sees its input end when the writer exits.
  const releaseInput = (): void => {
    input.on('error', () => undefined);
    input.destroy();
  };
  return { input, output, children, releaseInput };
}

/** Starts processes each reading the previous one's stdout, the first with a stdin pipe. */
function startLinked(
  stages: readonly { readonly argv: readonly string[]; readonly options: Omit<StageOptions, 'stdin'> }[],
  caller: string,
): { readonly started: readonly Started[]; readonly first: Started; readonly last: Started } {
  const started: Started[] = [];
  for (const { argv, options } of stages) {
    const before = started.at(-1);
    started.push(start(argv, options, before ? before.stdout : 'pipe'));
    // The next process now holds the pipe: drop Node's end, so Node never reads from it and a
    // reader that dies makes the writer fail (EPIPE) instead of block.
    before?.stdout.destroy();
  }
  const [first] = started;
  const last = started.at(-1);
  if (!first || !last) throw new Error(`${caller} needs at least one process`);
  return { started, first, last };
}

/** How long a failed process's error waits for the processes before it to report theirs. */
const UPSTREAM_GRACE_MS = 1000;

/**
 * When a process of a chain fails, those after it usually fail too, as a consequence (`age`
 * rejects the key, so `zstd -d` sees a truncated stream). Each exit is rewritten so that a
 * failure reports the first failed process of the chain, the cause, waiting briefly for the
 * ones before it to exit.
 */
function upstreamFirst(exits: readonly Promise<void>[]): Promise<void>[] {
  const outcome: ({ failed: boolean; reason?: unknown } | undefined)[] = exits.map(() => undefined);
  exits.forEach((exit, i) => {
    exit.then(
      () => (outcome[i] = { failed: false }),
      (reason: unknown) => (outcome[i] = { failed: true, reason }),
    );
  });
  return exits.map((exit, i) =>
    exit.catch(async (err: unknown) => {
      const before = exits.slice(0, i).map((p) => p.catch(() => undefined));
      await Promise.race([Promise.all(before), sleep(UPSTREAM_GRACE_MS, undefined, { ref: false })]);
      const cause = outcome.slice(0, i).find((o) => o?.failed);
      throw cause ? cause.reason : err;
    }),
  );
}

/**
 * Writes into the first process of a chain. When a process fails (a wrong key, damaged data),
 * the writes into it fail with EPIPE: the error then reported is why the chain failed, its
 * exit status and last error lines, not the broken pipe that follows from it.
 */
function feeder(stdin: Writable, exited: Promise<void>): Writable {
  let failure: Error | undefined;
  let pending: ((err?: Error | null) => void) | undefined;
  const explain = (err: Error, callback: (err?: Error | null) => void): void => {
    exited.then(
      () => callback(err),
      (why: unknown) => callback(why instanceof Error ? why : err),
    );
  };
  const release = (): void => {
    const callback = pending;
    pending = undefined;
    if (!callback) return;
    if (failure) explain(failure, callback);
    else callback();
  };
  stdin.on('error', (err: Error) => {
    failure ??= err;
    release();
  });
  stdin.on('drain', release);
  // Node destroys a child's stdin, without an error, when the process exits.
  stdin.on('close', () => {
    failure ??= new Error('the process exited before it read all of its input');
    release();
  });
  return new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _encoding, callback) {
      if (failure) return explain(failure, callback);
      if (stdin.write(chunk)) return callback();
      pending = callback;
    },
    final(callback) {
      if (failure) return explain(failure, callback);
      pending = callback;
      stdin.once('finish', release);
      stdin.end();
    },
    destroy(err, callback) {
      if (err) stdin.destroy(); // a failed run: stop feeding the process
      callback(err);
    },
  });
}

interface Started {
  readonly stage: Omit<ChildStage, 'output'>;
  readonly stdout: Readable;
}

function start(argv: readonly string[], options: Omit<StageOptions, 'stdin'>, stdin: 'pipe' | 'ignore' | Readable): Started;
function start(argv: readonly string[], options: Omit<StageOptions, 'stdin'>, stdin: 'pipe' | 'ignore' | Readable, stdout: Writable | undefined): Omit<Started, 'stdout'> & { readonly stdout: Readable | null };
function start(argv: readonly string[], options: Omit<StageOptions, 'stdin'>, stdin: 'pipe' | 'ignore' | Readable, stdout?: Writable): Omit<Started, 'stdout'> & { readonly stdout: Readable | null } {
  const [file = '', ...args] = argv;
  const name = file.split('/').pop() ?? file;
  const child = spawn(file, args, { env: options.env, cwd: options.cwd, stdio: [stdin, stdout ?? 'pipe', 'pipe'] });
  let tail = '';
  const { stderr } = child;
  if (!stderr) throw new Error(`${name} was spawned without a stderr pipe`);
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
      if (code === 0) {
        const wrong = options.checkExit?.(tail);
        return wrong ? reject(wrong) : resolve();
      }
      const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
      const lastLines = redact(tail.trim(), options.redact ?? []);
      reject(
        new SlipwayError(options.classify?.(lastLines) ?? options.failCode, `${name} ${how}${lastLines ? `: ${lastLines.split('\n').slice(-5).join(' / ')}` : '.'}`, {
          details: { program: name, exitCode: code, signal, stderr: lastLines },
        }),
      );
    });
  });
  exited.catch(() => undefined); // observed through `output` or by the caller
  options.onSpawn?.(exited);
  let killTimer: NodeJS.Timeout | undefined;
  const kill = (): void => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    killTimer ??= setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    killTimer.unref();
  };
  void exited.finally(() => clearTimeout(killTimer)).catch(() => undefined);
  return { stage: { name, pid: child.pid, stdin: child.stdin, exited, kill }, stdout: child.stdout };
}

async function* passThenCheck(stdout: Readable, exited: Promise<void>): AsyncGenerator<Buffer> {
  for await (const chunk of stdout) yield chunk as Buffer;
  await exited;
}

function gated(stdout: Readable, exited: Promise<void>): Readable {
  const output = Readable.from(passThenCheck(stdout, exited), { objectMode: false });
  // Ended or torn down: let go of the pipe. A stdout left paused with data in it would never
  // close, and a process is only reported gone ('close') once its stdout closed.
  output.once('close', () => stdout.destroy());
  return output;
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
