import type { HeaderPolicyTable } from '../protocol.js';
import { pathHasPrefix } from '../router.js';
import { presetHeaders, RESERVED_HEADER_NAMES } from './presets.js';

type Headers = Record<string, string | string[]>;

/**
 * A service's security headers, compiled once when a table is swapped in. Applied to the
 * app's response head: `remove` first, then `set` (replacing the app's value), then the
 * preset's headers the app did not set itself.
 */
export interface HeaderPolicy {
  readonly remove: readonly string[];
  readonly set: readonly (readonly [string, string])[];
  readonly defaults: readonly (readonly [string, string])[];
  /** What a page answered by the proxy itself gets (it has no headers of its own to keep). */
  readonly page: Readonly<Record<string, string>>;
  /** Policies of the `paths` rules, longest prefix first (each already merged with the service's). */
  readonly paths?: readonly PathPolicy[];
}

interface PathPolicy {
  readonly prefix: string;
  readonly policy: HeaderPolicy;
}

export const NO_HEADERS: HeaderPolicy = { remove: [], set: [], defaults: [], page: {} };

/** The policy for a response to `target` (the normalised path, query allowed): the longest matching `paths` rule, else the service's. */
export function headerPolicyFor(policy: HeaderPolicy, target: string): HeaderPolicy {
  if (!policy.paths) return policy;
  const query = target.indexOf('?');
  const path = query < 0 ? target : target.slice(0, query);
  return policy.paths.find((p) => pathHasPrefix(path, p.prefix))?.policy ?? policy;
}

export function compileHeaderPolicy(table: HeaderPolicyTable | undefined): HeaderPolicy {
  if (!table) return NO_HEADERS;
  const base = compileFlat(table);
  if (!table.paths || Object.keys(table.paths).length === 0) return base;
  const paths = Object.entries(table.paths)
    .sort(([a], [b]) => b.length - a.length)
    .map(([prefix, rule]) => ({ prefix, policy: compileFlat(mergeRule(table, rule)) }));
  return { ...base, paths };
}

/** A path rule on top of the service's: its `set` replaces (and un-removes) the service's names, its `remove` adds to them. */
function mergeRule(table: HeaderPolicyTable, rule: { set?: Record<string, string> | undefined; remove?: string[] | undefined }): HeaderPolicyTable {
  const set = { ...(table.set ?? {}), ...(rule.set ?? {}) };
  const removed = new Set([...(table.remove ?? []), ...(rule.remove ?? [])]);
  for (const name of Object.keys(rule.set ?? {})) removed.delete(name);
  for (const name of rule.remove ?? []) delete set[name];
  return { preset: table.preset, set, remove: [...removed] };
}

function compileFlat(table: HeaderPolicyTable): HeaderPolicy {
  const allowed = (name: string): boolean => !RESERVED_HEADER_NAMES.has(name);
  const remove = (table.remove ?? []).filter(allowed);
  const set = Object.entries(table.set ?? {}).filter(([name]) => allowed(name));
  const taken = new Set([...remove, ...set.map(([name]) => name)]);
  const defaults = Object.entries(presetHeaders(table.preset)).filter(([name]) => !taken.has(name));
  const page = Object.fromEntries([...defaults, ...set]);
  if (remove.length === 0 && set.length === 0 && defaults.length === 0) return NO_HEADERS;
  return { remove, set, defaults, page };
}

/** Applies the policy to a response head whose names are lower-case (as node gives them). */
export function applyHeaderPolicy(policy: HeaderPolicy, headers: Headers): void {
  for (const name of policy.remove) delete headers[name];
  for (const [name, value] of policy.set) headers[name] = value;
  for (const [name, value] of policy.defaults) headers[name] ??= value;
}

/** The proxy's own pages for requests no service claims (404, 400): the strict set, which fits them. */
export const PROXY_PAGE_HEADERS = compileHeaderPolicy({ preset: 'strict' }).page;
