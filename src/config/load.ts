/** slipway.yaml on disk → validated, normalized, frozen Config (or every problem at once). */
import { readBoundedText } from '../lib/bounded-read.js';
import { basename, dirname, resolve } from 'node:path';
import type { Config } from './model.js';
import { formatPath, type ConfigIssue } from './issue.js';
import { configCodes, type ConfigCode } from './codes.js';
import { parseYaml, type YamlProblem } from './yaml-adapter.js';
import { validateDocument } from './validate.js';
import type { PreflightOptions } from './preflight.js';

import { configOrThrow } from './load-result.js';

export type { ConfigIssue } from './issue.js';
export { summarize } from './load-result.js';

export interface LoadOptions {
  /** Path of slipway.yaml; relative paths resolve from the process's working directory. */
  readonly file: string;
  /** Environment overlay to apply (--env NAME). */
  readonly env?: string | undefined;
  /** Also run stage 4, preflight (ports, directories, commands, disk space); `check` and `deploy` do. */
  readonly preflight?: PreflightOptions | undefined;
}

export interface CheckResult {
  readonly config?: Config;
  readonly issues: ConfigIssue[];
  /** Warnings (stage consistency, preflight); they fail only `check --strict`. */
  readonly warnings?: ConfigIssue[];
}

/** slipway.yaml is read up to this size (a real one is a few kilobytes). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

const PROBLEM_CODES = {
  syntax: 'SLW_CONFIG_YAML',
  'duplicate-key': 'SLW_CONFIG_DUPLICATE_KEY',
  'recursive-alias': 'SLW_CONFIG_RECURSIVE_ALIAS',
  'reserved-key': 'SLW_CONFIG_RESERVED_KEY',
} as const satisfies Record<YamlProblem['kind'], ConfigCode>;

/** Non-throwing form: the config when valid, else every issue found. */
export async function checkConfig(options: LoadOptions): Promise<CheckResult> {
  const file = resolve(options.file);
  const read = await readBoundedText(file, MAX_CONFIG_BYTES);
  if (!read.ok) {
    const [code, why]: [ConfigCode, string] =
      read.problem === 'missing'
        ? ['SLW_CONFIG_NOT_FOUND', 'does not exist']
        : read.problem === 'not-a-file' && read.detail !== 'a directory' // a directory stays SLW_CONFIG_UNREADABLE, as before
          ? ['SLW_CONFIG_NOT_A_FILE', `is ${read.detail}, not a regular file`]
          : read.problem === 'too-large'
            ? ['SLW_CONFIG_FILE_TOO_LARGE', `is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB (${read.detail})`]
            : ['SLW_CONFIG_UNREADABLE', read.problem === 'not-a-file' ? `is ${read.detail}, not a file` : `cannot be read (${read.detail})`];
    return { issues: [wholeFile(code, `${file} ${why}`)] };
  }
  const doc = parseYaml(read.text);
  if (doc.problems.length > 0) {
    return {
      issues: doc.problems.map((p) => ({
        ...wholeFile(PROBLEM_CODES[p.kind], p.message),
        location: { file, line: p.line, col: p.col },
      })),
    };
  }
  if (doc.data === undefined || doc.data === null) {
    return { issues: [{ ...wholeFile('SLW_CONFIG_EMPTY', `${basename(file)} has no content`), location: { file, line: 1, col: 1 } }] };
  }
  return validateDocument(doc, { file, dir: dirname(file), env: options.env, preflight: options.preflight });
}

/** Loads the config or throws SLW_CONFIG_NOT_FOUND / SLW_CONFIG_INVALID (details.issues lists all). */
export async function loadConfig(options: LoadOptions): Promise<Config> {
  return configOrThrow(options.file, await checkConfig(options));
}

function wholeFile(code: ConfigCode, message: string): ConfigIssue {
  return { code, message, hint: configCodes[code].hint, path: formatPath([]) };
}
