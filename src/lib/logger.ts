/**
 * slipway's logger, for the daemon and the proxy: JSON lines of `level` (text), `time` (ISO 8601),
 * `pid`, `component`, then the fields of the child loggers and of the call (deployId, requestId,
 * service, ...), then `msg` — the lines pino wrote for the daemon until it was dropped for memory
 * (~3 MB of RSS; docs/design.md, "Lean processes"; test/observability/logger.test.ts checks the
 * lines against pino's for the same calls). One synchronous write per line, so a line written just
 * before the process exits is not lost.
 *
 * Two layers keep secrets out. Fields whose key names a credential (password, token,
 * authorization, ...) are censored at the top level and one level down. Then every finished line,
 * whatever it holds, passes through the `redact` function given here (the secrets redactor: each
 * known value and its encodings) just before it is written: no call, field or child binding can
 * go around it.
 */
import { mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { CENSORED, SENSITIVE_KEYS, type LogFields, type Logger, type LogLevel } from './logger-types.js';

export { CENSORED, SENSITIVE_KEYS, type LogFields, type Logger, type LogLevel } from './logger-types.js';

export interface LoggerOptions {
  readonly component: string;
  /** A file descriptor (1: stdout, 2: stderr) or a file path (appended to, its directory made). */
  readonly destination: number | string;
  /** Applied to each serialized line before it is written (secret values and their encodings). */
  readonly redact?: (line: string) => string;
  readonly level?: LogLevel;
}

const LEVELS: Readonly<Record<LogLevel, number>> = { debug: 20, info: 30, warn: 40, error: 50 };
const SENSITIVE: ReadonlySet<string> = new Set(SENSITIVE_KEYS);

function censored(fields: LogFields, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (SENSITIVE.has(key)) out[key] = CENSORED;
    else if (depth === 0 && value && typeof value === 'object' && !Array.isArray(value)) out[key] = censored(value as LogFields, 1);
    else out[key] = value;
  }
  return out;
}

/** The descriptor to write to: the one given, or the file opened for appending (made with its directory). */
function openDestination(destination: number | string): number {
  if (typeof destination === 'number') return destination;
  mkdirSync(dirname(destination), { recursive: true });
  return openSync(destination, 'a');
}

export function createLogger(o: LoggerOptions): Logger {
  const threshold = LEVELS[o.level ?? 'info'];
  const redact = o.redact ?? ((line: string) => line);
  const fd = openDestination(o.destination);
  const make = (bindings: LogFields): Logger => {
    const write = (level: LogLevel, msg: string, fields?: LogFields): void => {
      if (LEVELS[level] < threshold) return;
      try {
        const line = JSON.stringify({ level, time: new Date().toISOString(), pid: process.pid, ...censored({ ...bindings, ...fields, msg }, 0) });
        writeSync(fd, `${redact(line)}\n`);
      } catch {
        dropped++;
      }
    };
    return {
      debug: (msg, fields) => write('debug', msg, fields),
      info: (msg, fields) => write('info', msg, fields),
      warn: (msg, fields) => write('warn', msg, fields),
      error: (msg, fields) => write('error', msg, fields),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return make({ component: o.component });
}

/** A logger that writes nothing (tests, and callers that were given none). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

let dropped = 0;

/**
 * Log lines dropped because writing them failed (disk full, a closed descriptor) or because their
 * fields could not be serialized. Writes are synchronous, so a full disk would otherwise throw
 * ENOSPC into whoever logs (a request handler, an event listener): the line is dropped and counted
 * instead, and logging resumes by itself once there is room. A log line is never worth the process
 * that writes it.
 */
export function droppedLogLines(): number {
  return dropped;
}
