import type { CodeInfo } from './error-code-info.js';
import { coreCodes } from './core-codes.js';
import { configCodes } from './config/codes.js';
import { proxyCodes } from './proxy/codes.js';
import { driverCodes } from './drivers/codes.js';
import { engineCodes } from './engine/codes.js';
import { apiCodes } from './api/codes.js';
import { releaseCodes } from './release/codes.js';
import { backupCodes } from './backup/codes.js';
import { observabilityCodes } from './observability/codes.js';
import { certCodes } from './certs/codes.js';
import { secretsCodes } from './secrets/codes.js';
import { composeCodes } from './compose/codes.js';

/** Every stable error code slipway can produce; docs/errors.md lists the same set (a test checks). */
export const catalog = {
  ...coreCodes,
  ...configCodes,
  ...proxyCodes,
  ...driverCodes,
  ...engineCodes,
  ...apiCodes,
  ...releaseCodes,
  ...backupCodes,
  ...observabilityCodes,
  ...certCodes,
  ...secretsCodes,
  ...composeCodes,
} as const;

export type ErrorCode = keyof typeof catalog;

export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export interface SlipwayErrorOptions {
  readonly hint?: string;
  readonly cause?: unknown;
  /** Structured, secret-free data for --json output (e.g. config issues, last log lines). */
  readonly details?: Record<string, unknown>;
  readonly location?: SourceLocation;
}

/**
 * The one error type that crosses module and process boundaries.
 * The message says what happened; the hint says how to fix it.
 */
export class SlipwayError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly details: Record<string, unknown> | undefined;
  readonly location: SourceLocation | undefined;

  constructor(code: ErrorCode, message: string, options: SlipwayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SlipwayError';
    this.code = code;
    this.hint = options.hint ?? catalog[code].hint;
    this.details = options.details;
    this.location = options.location;
  }

  get kind(): CodeInfo['kind'] {
    return catalog[this.code].kind;
  }

  toJSON(): SerializedError {
    return {
      code: this.code,
      message: this.message,
      hint: this.hint,
      ...(this.location ? { location: this.location } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }

  static fromJSON(data: SerializedError): SlipwayError {
    const code = isErrorCode(data.code) ? data.code : 'SLW_INTERNAL';
    return new SlipwayError(code, data.message, {
      hint: data.hint,
      ...(data.details ? { details: data.details } : {}),
      ...(data.location ? { location: data.location } : {}),
    });
  }
}

export interface SerializedError {
  code: string;
  message: string;
  hint: string;
  location?: SourceLocation;
  details?: Record<string, unknown>;
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(catalog, code);
}

/**
 * Wraps anything thrown into a SlipwayError, keeping the original as `cause`. A full disk
 * anywhere in the cause chain (ENOSPC, EDQUOT, SQLite's SQLITE_FULL) is SLW_DISK_FULL, never
 * an internal error: it is the one place that decides, so a journal write, a release build
 * or a table write that runs out of space all say so the same way. Likewise a damaged page of
 * the state database met while running (SQLITE_CORRUPT, SQLITE_NOTADB) is SLW_STATE_CORRUPT.
 */
export function toSlipwayError(err: unknown): SlipwayError {
  if (err instanceof SlipwayError && err.code !== 'SLW_INTERNAL' && err.code !== 'SLW_IO') return err;
  const known = diskFullError(err) ?? corruptStateError(err);
  if (known) return known;
  if (err instanceof SlipwayError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SlipwayError('SLW_INTERNAL', message, { cause: err });
}

const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

/** SLW_DISK_FULL when `err` or one of its causes is a full disk, else undefined. */
export function diskFullError(err: unknown): SlipwayError | undefined {
  const cause = causeWithCode(err, (code) => DISK_FULL_CODES.has(code));
  if (!cause) return undefined;
  const { code, path } = cause;
  const where = typeof path === 'string' ? ` writing ${path}` : code === 'SQLITE_FULL' ? ' of the state database: the journal could not be written' : '';
  return new SlipwayError('SLW_DISK_FULL', `No space left on the disk${where} (${code}).`, { cause: err, details: { errno: code, ...(typeof path === 'string' ? { path } : {}) } });
}

/** SLW_STATE_CORRUPT when SQLite reported a damaged database anywhere in the cause chain, else undefined. */
function corruptStateError(err: unknown): SlipwayError | undefined {
  const cause = causeWithCode(err, (code) => /^SQLITE_(CORRUPT|NOTADB)/.test(code));
  if (!cause) return undefined;
  return new SlipwayError('SLW_STATE_CORRUPT', `The state database cannot be read: ${cause.message} (${cause.code}).`, { cause: err, details: { errno: cause.code } });
}

/** The first error of the cause chain (8 deep at most) whose string `code` matches. */
function causeWithCode(err: unknown, matches: (code: string) => boolean): (Error & { code: string; path?: unknown }) | undefined {
  let cause: unknown = err;
  for (let depth = 0; depth < 8 && cause instanceof Error; depth++) {
    const { code } = cause as { code?: unknown };
    if (typeof code === 'string' && matches(code)) return cause as Error & { code: string; path?: unknown };
    cause = cause.cause;
  }
  return undefined;
}
