/** Turns zod issues into slipway issues with stable codes, clear messages and hints. */
import type { z } from 'zod';
import { describeKind, formatPath, rawIssue, type ConfigPath, type RawIssue } from './issue.js';
import { keyMetaAt, knownKeysAt, metaAt } from './schema-meta.js';
import { suggest } from './suggest.js';

type ZodIssue = z.core.$ZodIssue;

export function mapZodIssues(issues: readonly ZodIssue[], root: z.ZodType, data: unknown): RawIssue[] {
  return issues.flatMap((issue) => mapOne(issue, root, data));
}

function mapOne(issue: ZodIssue, root: z.ZodType, data: unknown): RawIssue[] {
  const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  const branch = issue.code === 'invalid_union' ? deepestBranch(issue.errors) : undefined;
  if (branch) {
    // The value took one of the union's forms and went wrong inside it: report that problem.
    return branch.flatMap((inner) => mapOne({ ...inner, path: [...path, ...inner.path] } as ZodIssue, root, data));
  }
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => unknownKey(root, path, key));
  if (issue.code === 'invalid_key') return [invalidKey(root, path)];
  const value = valueAt(data, path);
  if (value === undefined) return [missingKey(path)];
  const meta = metaAt(root, path);
  const name = leafName(path);
  if (!meta) {
    const expected = issue.code === 'invalid_type' ? kindName(issue.expected) : undefined;
    const message = expected
      ? `${name} must be ${expected}, not ${describeKind(value)}`
      : `${name} is invalid: ${issue.message.toLowerCase()}`;
    return [rawIssue('SLW_CONFIG_INVALID_TYPE', path, message)];
  }
  const shown = meta.quoteValue && isQuotable(value) ? JSON.stringify(value) : describeKind(value);
  const explained = meta.explain?.(value);
  const message = explained?.message ?? `${name} must be ${meta.expected}; got ${shown}`;
  return [rawIssue(meta.code, path, message, explained?.hint ? { hint: explained.hint } : {})];
}

/** The union option whose issues reach deepest into the value, if any reaches below it. */
function deepestBranch(branches: readonly (readonly ZodIssue[])[]): readonly ZodIssue[] | undefined {
  let best: readonly ZodIssue[] | undefined;
  let depth = 0;
  for (const issues of branches) {
    const d = Math.max(0, ...issues.map((i) => i.path.length + (i.code === 'unrecognized_keys' ? 1 : 0)));
    if (d > depth) {
      depth = d;
      best = issues;
    }
  }
  return best;
}

function unknownKey(root: z.ZodType, path: ConfigPath, key: string): RawIssue {
  const where = path.length === 0 ? 'at the top level' : `in ${formatPath(path)}`;
  const known = knownKeysAt(root, path);
  const guess = suggest(key, known);
  const hint = guess
    ? `did you mean "${guess}"? Known keys here: ${known.join(', ')}.`
    : `known keys here: ${known.join(', ')}.`;
  return rawIssue('SLW_CONFIG_UNKNOWN_KEY', [...path, key], `"${key}" is not a known key ${where}`, { hint, at: 'key' });
}

function invalidKey(root: z.ZodType, path: ConfigPath): RawIssue {
  const key = String(path.at(-1));
  const meta = keyMetaAt(root, path.slice(0, -1));
  if (!meta) return rawIssue('SLW_CONFIG_INVALID_TYPE', path, `"${key}" is not allowed as a key here`, { at: 'key' });
  return rawIssue(meta.code, path, `"${key}" is not ${meta.expected}`, { at: 'key' });
}

function missingKey(path: ConfigPath): RawIssue {
  const key = String(path.at(-1));
  const parent = path.length > 1 ? formatPath(path.slice(0, -1)) : 'the top level';
  const hint = key === 'version' ? 'add `version: 1` at the top of the file.' : undefined;
  return rawIssue('SLW_CONFIG_MISSING_KEY', path, `${parent} is missing the required key "${key}"`, {
    anchor: path.slice(0, -1),
    ...(hint ? { hint } : {}),
  });
}

export function valueAt(data: unknown, path: ConfigPath): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/** The key a message talks about: "interval" for services.web.health.interval, "routes[0]" for a list item. */
function leafName(path: ConfigPath): string {
  const lastKey = path.findLastIndex((s) => typeof s === 'string');
  return lastKey < 0 ? 'the file' : formatPath(path.slice(lastKey)) || 'the file';
}

function isQuotable(value: unknown): boolean {
  return typeof value === 'number' || typeof value === 'boolean' || (typeof value === 'string' && value.length <= 80);
}

function kindName(expected: string): string {
  const names: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string', number: 'a number', boolean: 'true or false' };
  return names[expected] ?? expected;
}
