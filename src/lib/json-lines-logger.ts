/**
 * The proxy's logger: the same JSON lines as the pino adapter (logger.ts) — `level`, `time`,
 * `pid`, `component`, `msg`, then the fields of the call and of the child loggers — written
 * synchronously to a file descriptor, without pino (~1.5 MB of RSS in a process that logs a few
 * lifecycle events; docs/design.md, "Lean processes"). Fields whose key names a credential are
 * censored at the top level and one level down, as logger.ts has pino do; a failed write is
 * dropped and counted, never thrown into the caller.
 */
import { writeSync } from 'node:fs';
import { CENSORED, SENSITIVE_KEYS, type LogFields, type Logger, type LogLevel } from './logger-types.js';

const LEVELS: Readonly<Record<LogLevel, number>> = { debug: 20, info: 30, warn: 40, error: 50 };
const SENSITIVE: ReadonlySet<string> = new Set(SENSITIVE_KEYS);

export interface JsonLinesLoggerOptions {
  readonly component: string;
  /** An open file descriptor (2: stderr). */
  readonly fd: number;
  readonly level?: LogLevel;
}

function censored(fields: LogFields, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (SENSITIVE.has(key)) out[key] = CENSORED;
    else if (depth === 0 && value && typeof value === 'object' && !Array.isArray(value)) out[key] = censored(value as LogFields, 1);
    else out[key] = value;
  }
  return out;
}

let dropped = 0;

/** Lines this logger dropped because writing them failed. */
export function droppedJsonLines(): number {
  return dropped;
}

export function createJsonLinesLogger(o: JsonLinesLoggerOptions): Logger {
  const threshold = LEVELS[o.level ?? 'info'];
  const make = (bindings: LogFields): Logger => {
    const write = (level: LogLevel, msg: string, fields?: LogFields): void => {
      if (LEVELS[level] < threshold) return;
      try {
        const line = JSON.stringify({ level, time: new Date().toISOString(), pid: process.pid, ...censored({ ...bindings, ...fields, msg }, 0) });
        writeSync(o.fd, `${line}\n`);
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
