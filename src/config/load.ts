/** slipway.yaml on disk → validated, normalized, frozen Config (or every problem at once). */
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { SlipwayError } from '../errors.js';
import type { Config } from './model.js';
import { formatPath, type ConfigIssue } from './issue.js';
import { configCodes, type ConfigCode } from './codes.js';
import { parseYaml } from './yaml-adapter.js';
import { validateDocument } from './validate.js';
import type { PreflightOptions } from './preflight.js';

export type { ConfigIssue } from './issue.js';

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

/** Non-throwing form: the config when valid, else every issue found. */
export async function checkConfig(options: LoadOptions): Promise<CheckResult> {
  const file = resolve(options.file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    const code: ConfigCode = missing ? 'SLW_CONFIG_NOT_FOUND' : 'SLW_CONFIG_UNREADABLE';
    const why = missing ? 'does not exist' : `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
    return { issues: [wholeFile(code, `${file} ${why}`)] };
  }
  const doc = parseYaml(text);
  if (doc.problems.length > 0) {
    return {
      issues: doc.problems.map((p) => ({
        ...wholeFile(p.kind === 'duplicate-key' ? 'SLW_CONFIG_DUPLICATE_KEY' : 'SLW_CONFIG_YAML', p.message),
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
  const { config, issues } = await checkConfig(options);
  if (config) return config;
  const notFound = issues.length === 1 && issues[0]?.code === 'SLW_CONFIG_NOT_FOUND';
  throw new SlipwayError(notFound ? 'SLW_CONFIG_NOT_FOUND' : 'SLW_CONFIG_INVALID', summarize(options.file, issues), {
    details: { issues },
    ...(issues.length === 1 && issues[0] ? { hint: issues[0].hint } : {}),
    ...(issues[0]?.location ? { location: issues[0].location } : {}),
  });
}

function wholeFile(code: ConfigCode, message: string): ConfigIssue {
  return { code, message, hint: configCodes[code].hint, path: formatPath([]) };
}

const MAX_LISTED = 20;

/** "slipway.yaml has 2 problems:" followed by one line per issue (file:line:col path: message). */
export function summarize(file: string, issues: readonly ConfigIssue[]): string {
  const name = basename(file);
  if (issues.length === 1 && issues[0]?.code === 'SLW_CONFIG_NOT_FOUND') return `${issues[0].message}.`;
  const head = `${name} has ${issues.length} problem${issues.length === 1 ? '' : 's'}:`;
  const lines = issues.slice(0, MAX_LISTED).map((i) => {
    const where = i.location ? `${name}:${i.location.line}:${i.location.col}` : name;
    return `  ${where} ${i.path ? `${i.path}: ` : ''}${i.message} [${i.code}]`;
  });
  if (issues.length > MAX_LISTED) lines.push(`  …and ${issues.length - MAX_LISTED} more (see --json)`);
  return [head, ...lines].join('\n');
}
