/**
 * A zod schema as the JSON Schema that src/lib/json-check.ts checks: the one conversion behind
 * the generated contracts (src/api/contract.ts, src/proxy/protocol-contract.ts).
 */
import { z } from 'zod';
import { JSON_CHECK_KEYWORDS } from '../src/lib/json-check.js';

const SCHEMA_MAPS = new Set(['properties']);
/** Keywords whose value is data, not a schema. */
const DATA = new Set(['enum', 'const', 'required', 'default', 'pattern']);
/** zod's own annotations of string checks that it also states as a `pattern` (startsWith → "^/.*"). */
const PATTERN_FORMATS = new Set(['starts_with', 'ends_with', 'includes', 'regex']);

/** Throws when the schema uses a keyword json-check.ts does not understand (so it can never be silently ignored). */
function assertSupported(node: unknown, where: string): void {
  if (Array.isArray(node)) return node.forEach((n, i) => assertSupported(n, `${where}[${i}]`));
  if (typeof node !== 'object' || node === null) return;
  for (const [key, value] of Object.entries(node)) {
    if (!JSON_CHECK_KEYWORDS.has(key)) throw new Error(`${where}: JSON Schema keyword "${key}" is not supported by src/lib/json-check.ts; extend it first`);
    if (DATA.has(key)) continue;
    if (SCHEMA_MAPS.has(key)) for (const [name, sub] of Object.entries(value as object)) assertSupported(sub, `${where}.${key}.${name}`);
    else assertSupported(value, `${where}.${key}`);
  }
}

/** Drops `format` where zod states the same check as a `pattern`; any other format stays, and is refused. */
function dropPatternFormats(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(dropPatternFormats);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  const record = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(record)) {
    if (key === 'format' && typeof record['pattern'] === 'string' && PATTERN_FORMATS.has(String(value))) continue;
    out[key] = DATA.has(key) ? value : dropPatternFormats(value);
  }
  return out;
}

interface ZodDef {
  readonly type: string;
  readonly checks?: ReadonlyArray<{ readonly _zod: { readonly def: { readonly check: string } } }>;
}

/**
 * With `exact`, refuses what JSON Schema drops silently: a `.refine()`/`.superRefine()` (a check
 * json-check would not run) or a `.transform()`/pipe (a value json-check would not change). For a
 * contract that is the only check of what arrives (the proxy's); the CLI's is checked again by
 * the daemon's zod.
 */
function refuseInexact(where: string) {
  return (ctx: { zodSchema: unknown; path: ReadonlyArray<string | number> }): void => {
    const def = (ctx.zodSchema as { _zod: { def: ZodDef } })._zod.def;
    const at = `${where}${ctx.path.length > 0 ? ` at ${ctx.path.join('.')}` : ''}`;
    if (def.type === 'pipe' || def.type === 'transform') throw new Error(`${at}: a transform cannot be generated as JSON Schema; keep the wire schema plain and transform after parsing`);
    if (def.checks?.some((c) => c._zod.def.check === 'custom')) throw new Error(`${at}: a refine() cannot be generated as JSON Schema; use zod's built-in checks (regex, min, max, ...) or check it after parsing`);
  };
}

export function jsonSchemaOf(schema: z.ZodType, where: string, options: { exact?: boolean } = {}): unknown {
  // io: 'input': values are checked as zod parses them (a plain z.object accepts extra keys; a
  // `.default()` field may be absent). zod types its JSON Schema output loosely; it stays plain JSON.
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'throw',
    reused: 'inline',
    cycles: 'throw',
    ...(options.exact ? { override: refuseInexact(where) } : {}),
  }) as Record<string, unknown>;
  const plain = dropPatternFormats(rest);
  assertSupported(plain, where);
  return plain;
}
