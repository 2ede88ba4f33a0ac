/** Cron expressions (five fields, or six with seconds) through `cron-parser`: the one file that imports it. */
import { CronExpressionParser } from 'cron-parser';

/** Undefined when the expression is valid, else why not. */
export function cronProblem(expression: string): string | undefined {
  try {
    CronExpressionParser.parse(expression, { strict: false });
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** The first time after `after` (epoch ms) the expression matches, in the local time zone. */
export function nextCronTime(expression: string, after: number): number {
  return CronExpressionParser.parse(expression, { currentDate: new Date(after) }).next().getTime();
}
