import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { diskFullError, SlipwayError } from '../errors.js';
import { jsonProblems, withDefaults } from '../lib/json-check.js';
import type { RoutingTable } from './protocol.js';
import { proxyContract } from './protocol-contract.js';

/**
 * Validates a table pushed by the daemon (or read from disk): schema, then cross-references.
 * The schema is RoutingTableSchema as JSON Schema (protocol-contract.ts), so the proxy runs without
 * zod; `.default()` fields are filled in as zod's parse would.
 */
export function parseTable(input: unknown): RoutingTable {
  const problems = jsonProblems(proxyContract.routingTable, input);
  const table = problems.length === 0 ? (withDefaults(proxyContract.routingTable, input) as RoutingTable) : undefined;
  const issues = table ? crossReferenceIssues(table) : problems;
  if (!table || issues.length > 0) {
    throw new SlipwayError('SLW_PROXY_BAD_TABLE', `The routing table is not valid (${issues.length} issue(s)).`, {
      details: { issues },
    });
  }
  return table;
}

function crossReferenceIssues(table: RoutingTable): Array<{ path: string; message: string }> {
  const issues: Array<{ path: string; message: string }> = [];
  table.routes.forEach((route, i) => {
    if (!Object.hasOwn(table.services, route.service)) {
      issues.push({ path: `$.routes[${i}].service`, message: `unknown service "${route.service}"` });
    }
  });
  for (const [name, service] of Object.entries(table.services)) {
    const seen = new Set<string>();
    service.targets.forEach((t, i) => {
      if (seen.has(t.id)) issues.push({ path: `$.services.${name}.targets[${i}].id`, message: `duplicate target id "${t.id}"` });
      seen.add(t.id);
    });
  }
  return issues;
}

/**
 * Whether `next` may replace `current`: a newer version yes; the same version only when it is
 * the same table (an idempotent retry); an older one never.
 */
export function checkVersion(current: RoutingTable | undefined, next: RoutingTable): 'apply' | 'unchanged' {
  if (!current || next.version > current.version) return 'apply';
  if (next.version === current.version && canonicalJson(next) === canonicalJson(current)) return 'unchanged';
  throw new SlipwayError(
    'SLW_PROXY_STALE_TABLE',
    next.version === current.version
      ? `The proxy already has a different table with version ${current.version}.`
      : `The proxy has table version ${current.version}; version ${next.version} is older.`,
    { details: { current: current.version, offered: next.version } },
  );
}

/** JSON with object keys sorted, so equal tables compare equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** table.json: the committed table, written atomically before it is swapped in. */
export class TableStore {
  readonly #path: string;

  constructor(path: string) {
    this.#path = path;
  }

  get path(): string {
    return this.#path;
  }

  /** The saved table; undefined when there is none. Throws when it exists but is unreadable. */
  async load(): Promise<RoutingTable | undefined> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new SlipwayError('SLW_IO', `Could not read ${this.#path}.`, { cause: err });
    }
    return parseTable(JSON.parse(text) as unknown);
  }

  async save(table: RoutingTable): Promise<void> {
    try {
      await writeFileAtomic(this.#path, `${JSON.stringify(table, null, 2)}\n`, 0o600);
    } catch (err) {
      throw diskFullError(err) ?? new SlipwayError('SLW_IO', `Could not write ${this.#path}.`, { cause: err });
    }
  }
}
