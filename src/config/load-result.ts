/** A config check's result → the Config, or the error every command shows for a bad config. */
import { basename } from 'node:path';
import { SlipwayError } from '../errors.js';
import type { Config } from './model.js';
import type { ConfigIssue } from './issue.js';
import type { CheckResult } from './load.js';

/**
 * The config of a check's result, or SLW_CONFIG_NOT_FOUND / SLW_CONFIG_INVALID (details.issues
 * lists all). Apart from load.ts so that the daemon, which has slipway.yaml checked by its config
 * checker process, throws the same errors without loading the schemas.
 */
export function configOrThrow(file: string, result: CheckResult): Config {
  const { config, issues } = result;
  if (config) return config;
  const notFound = issues.length === 1 && issues[0]?.code === 'SLW_CONFIG_NOT_FOUND';
  throw new SlipwayError(notFound ? 'SLW_CONFIG_NOT_FOUND' : 'SLW_CONFIG_INVALID', summarize(file, issues), {
    details: { issues },
    ...(issues.length === 1 && issues[0] ? { hint: issues[0].hint } : {}),
    ...(issues[0]?.location ? { location: issues[0].location } : {}),
  });
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
