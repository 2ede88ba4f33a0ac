/**
 * Cron expressions (five fields, or six with seconds) through `cron-parser`: the one file that
 * loads it. It loads on the first expression (a CommonJS package, so synchronously through
 * require): a config without schedules never carries it (BENCHMARKS.md, Memory).
 */
import { createRequire } from 'node:module';
import type { CronExpressionParser as Parser } from 'cron-parser';

let parser: typeof Parser | undefined;

function cron(): typeof Parser {
  parser ??= (createRequire(import.meta.url)('cron-parser') as { CronExpressionParser: typeof Parser }).CronExpressionParser;
  return parser;
}

/** Undefined when the expression is valid, else why not. */
export function cronProblem(expression: string): string | undefined {
  try {
    cron().parse(expression, { strict: false });
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** The first time after `after` (epoch ms) the expression matches, in the local time zone. */
export function nextCronTime(expression: string, after: number): number {
  return cron().parse(expression, { currentDate: new Date(after) }).next().getTime();
}
