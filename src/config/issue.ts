import type { SourceLocation } from '../errors.js';
import { configCodes, type ConfigCode } from './codes.js';

/** A segment of a path into the config document: a mapping key or a list index. */
export type PathSegment = string | number;
export type ConfigPath = readonly PathSegment[];

/** One problem found in the config file; all of them are reported at once. */
export interface ConfigIssue {
  readonly code: string;
  /** What happened and why, in one or two sentences. */
  readonly message: string;
  /** How to fix it. */
  readonly hint: string;
  /** Dotted path of the offending value, e.g. "services.web.routes[0].host"; "" for the whole file. */
  readonly path: string;
  readonly location?: SourceLocation;
}

/** An issue before it is placed in the file: the path is still structured. */
export interface RawIssue {
  readonly code: ConfigCode;
  readonly message: string;
  readonly hint?: string;
  readonly path: ConfigPath;
  /** Point at the key itself (unknown keys) rather than at its value. */
  readonly at?: 'key' | 'value';
  /** Where to point in the file when that differs from `path` (a missing key: its parent mapping). */
  readonly anchor?: ConfigPath;
}

export function rawIssue(code: ConfigCode, path: ConfigPath, message: string, extra: Partial<RawIssue> = {}): RawIssue {
  return { code, path, message, ...extra };
}

export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

export function toConfigIssue(issue: RawIssue, location: SourceLocation | undefined): ConfigIssue {
  return {
    code: issue.code,
    message: issue.message,
    hint: issue.hint ?? configCodes[issue.code].hint,
    path: formatPath(issue.path),
    ...(location ? { location } : {}),
  };
}

/** Describes a value by its kind, never echoing it (values may be secrets). */
export function describeKind(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a whole number' : 'a number';
  return `a ${typeof value}`;
}
