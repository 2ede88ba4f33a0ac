/**
 * The pino adapter: the only file that imports pino. The daemon's and the proxy's own logs are
 * JSON lines: `level` (text), `time` (ISO 8601), `pid`, `component`, `msg`, then the fields of
 * the call and of the child loggers (deployId, requestId, service, ...).
 *
 * Two layers keep secrets out. pino's `redact` blanks fields whose key names a credential
 * (password, token, authorization, ...) wherever they sit at the top level or one level down.
 * Then every finished line, whatever it holds, passes through the `redact` function given here
 * (the secrets redactor: each known value and its encodings) in pino's `streamWrite` hook, just
 * before it is written: no call, field, error or child binding can go around it.
 */
import { pino, type Logger as PinoLogger } from 'pino';
import { CENSORED, SENSITIVE_KEYS, type LogFields, type Logger, type LogLevel } from './logger-types.js';

export { CENSORED, SENSITIVE_KEYS, type LogFields, type Logger, type LogLevel } from './logger-types.js';

export interface LoggerOptions {
  readonly component: string;
  /** A file descriptor (1: stdout, 2: stderr) or a file path (appended to). */
  readonly destination: number | string;
  /** Applied to each serialized line before it is written (secret values and their encodings). */
  readonly redact?: (line: string) => string;
  readonly level?: LogLevel;
}

const SENSITIVE_PATHS = SENSITIVE_KEYS.flatMap((k) => [k, `*.${k}`]);

export function createLogger(o: LoggerOptions): Logger {
  const redact = o.redact ?? ((line: string) => line);
  const root = pino(
    {
      level: o.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...SENSITIVE_PATHS], censor: CENSORED },
      hooks: { streamWrite: (line) => redact(line) },
    },
    // Synchronous: a line written just before the process exits is not lost.
    pino.destination({ dest: o.destination, sync: true, mkdir: true }),
  );
  return wrap(root, { component: o.component });
}

/** A logger that writes nothing (tests, and callers that were given none). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

/** Children are made from the root with the merged bindings, so a key (component) appears once per line. */
function wrap(root: PinoLogger, bindings: LogFields): Logger {
  const p = root.child(bindings);
  return {
    debug: (msg, fields) => guarded(() => p.debug(fields ?? {}, msg)),
    info: (msg, fields) => guarded(() => p.info(fields ?? {}, msg)),
    warn: (msg, fields) => guarded(() => p.warn(fields ?? {}, msg)),
    error: (msg, fields) => guarded(() => p.error(fields ?? {}, msg)),
    child: (more) => wrap(root, { ...bindings, ...more }),
  };
}

let dropped = 0;

/** Log lines dropped because writing them failed (disk full, a closed descriptor). */
export function droppedLogLines(): number {
  return dropped;
}

/**
 * Writes are synchronous, so a full disk throws ENOSPC into whoever logs (a request handler,
 * an event listener): the line is dropped and counted instead, and logging resumes by itself
 * once there is room. A log line is never worth the process that writes it.
 */
function guarded(write: () => void): void {
  try {
    write();
  } catch {
    dropped++;
  }
}
