/**
 * A checker for the small JSON Schema subset that `z.toJSONSchema` emits for slipway's
 * messages: the control API (src/api/contract.ts, from src/api/schemas.ts) and the daemon ⇄
 * proxy messages (src/proxy/protocol-contract.ts, from src/proxy/protocol.ts). The CLI and the
 * proxy check what they receive with it, so that neither loads zod (see docs/design.md, "Lean
 * processes"); property tests keep its verdicts equal to zod's on the same values.
 */
export interface JsonSchema {
  readonly type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly propertyNames?: JsonSchema;
  readonly items?: JsonSchema;
  readonly maxItems?: number;
  readonly minItems?: number;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly oneOf?: readonly JsonSchema[];
  readonly anyOf?: readonly JsonSchema[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  /** A JavaScript regular expression (no flags), tested as zod tests it: unanchored unless it says `^`/`$`. */
  readonly pattern?: string;
  /** The value an absent property takes (withDefaults); not part of the verdict. */
  readonly default?: unknown;
}

/** The keywords checkJson understands; the generator refuses a schema that uses any other. */
export const JSON_CHECK_KEYWORDS: ReadonlySet<string> = new Set([
  'type', 'properties', 'required', 'additionalProperties', 'propertyNames', 'items', 'maxItems', 'minItems',
  'enum', 'const', 'oneOf', 'anyOf', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength',
  'pattern', 'default',
]);

/** One problem: where (`$.routes[0].path`) and what (`expected string`). */
export interface JsonProblem {
  readonly path: string;
  readonly message: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function typeProblem(type: JsonSchema['type'], v: unknown): boolean {
  switch (type) {
    case undefined: return false;
    case 'object': return !isRecord(v);
    case 'array': return !Array.isArray(v);
    case 'string': return typeof v !== 'string';
    case 'number': return typeof v !== 'number' || !Number.isFinite(v);
    case 'integer': return typeof v !== 'number' || !Number.isSafeInteger(v);
    case 'boolean': return typeof v !== 'boolean';
    case 'null': return v !== null;
  }
}

const patterns = new Map<string, RegExp>();
function matches(pattern: string, v: string): boolean {
  let re = patterns.get(pattern);
  if (!re) patterns.set(pattern, (re = new RegExp(pattern)));
  return re.test(v);
}

function boundsProblem(s: JsonSchema, v: unknown): string | undefined {
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < s.minimum) return `below the minimum ${s.minimum}`;
    if (s.maximum !== undefined && v > s.maximum) return `above the maximum ${s.maximum}`;
    if (s.exclusiveMinimum !== undefined && v <= s.exclusiveMinimum) return `not above ${s.exclusiveMinimum}`;
    if (s.exclusiveMaximum !== undefined && v >= s.exclusiveMaximum) return `not below ${s.exclusiveMaximum}`;
  }
  if (typeof v === 'string') {
    if (s.minLength !== undefined && v.length < s.minLength) return `shorter than ${s.minLength}`;
    if (s.maxLength !== undefined && v.length > s.maxLength) return `longer than ${s.maxLength}`;
    if (s.pattern !== undefined && !matches(s.pattern, v)) return `does not match ${s.pattern}`;
  }
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) return `fewer than ${s.minItems} items`;
    if (s.maxItems !== undefined && v.length > s.maxItems) return `more than ${s.maxItems} items`;
  }
  return undefined;
}

function objectProblems(s: JsonSchema, v: Record<string, unknown>, path: string, out: JsonProblem[]): void {
  for (const key of s.required ?? []) if (!(key in v) || v[key] === undefined) out.push({ path: `${path}.${key}`, message: 'required' });
  for (const [key, value] of Object.entries(v)) {
    const known = Object.hasOwn(s.properties ?? {}, key) ? s.properties?.[key] : undefined;
    if (s.propertyNames) collect(s.propertyNames, key, `${path}[${JSON.stringify(key)}] (key)`, out);
    if (known) {
      if (value !== undefined) collect(known, value, `${path}.${key}`, out);
    } else if (s.additionalProperties === false) out.push({ path: `${path}.${key}`, message: 'not allowed' });
    else if (typeof s.additionalProperties === 'object') collect(s.additionalProperties, value, `${path}.${key}`, out);
  }
}

function problemsOf(schema: JsonSchema, value: unknown, path: string): JsonProblem[] {
  const out: JsonProblem[] = [];
  collect(schema, value, path, out);
  return out;
}

/** Appends the problems of `value` to `out`: all of them, except that a node with a wrong type or bound stops there. */
function collect(schema: JsonSchema, value: unknown, path: string, out: JsonProblem[]): void {
  if (schema.const !== undefined && value !== schema.const) return void out.push({ path, message: `expected ${JSON.stringify(schema.const)}` });
  if (schema.enum && !schema.enum.includes(value)) return void out.push({ path, message: `expected one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}` });
  if (typeProblem(schema.type, value)) return void out.push({ path, message: `expected ${schema.type}` });
  const bounds = boundsProblem(schema, value);
  if (bounds) return void out.push({ path, message: bounds });
  if (schema.oneOf) {
    const problems = schema.oneOf.map((option) => problemsOf(option, value, path));
    const fits = problems.filter((p) => p.length === 0).length;
    if (fits === 0) return void out.push(...(problems.find((p) => p.length > 0) ?? []));
    if (fits > 1) return void out.push({ path, message: 'more than one option matches' });
  }
  if (schema.anyOf) {
    const problems = schema.anyOf.map((option) => problemsOf(option, value, path));
    if (!problems.some((p) => p.length === 0)) return void out.push(...(problems[0] ?? [{ path, message: 'no option matches' }]));
  }
  if (Array.isArray(value) && schema.items) value.forEach((item, i) => collect(schema.items ?? {}, item, `${path}[${i}]`, out));
  if (isRecord(value) && (schema.properties || schema.required || schema.additionalProperties !== undefined || schema.propertyNames)) {
    objectProblems(schema, value, path, out);
  }
}

/** Every problem of `value` against `schema`, in document order (a node with a wrong type or bound counts once). */
export function jsonProblems(schema: JsonSchema, value: unknown, path = '$'): JsonProblem[] {
  return problemsOf(schema, value, path);
}

/** The first problem of `value` against `schema` ("$.services[0].name: expected string"), or undefined. */
export function checkJson(schema: JsonSchema, value: unknown, path = '$'): string | undefined {
  const first = problemsOf(schema, value, path)[0];
  return first && `${first.path}: ${first.message}`;
}

/**
 * A valid `value` as zod's parse returns it: a copy with every absent property that has a
 * `default` filled in (`.default(x)`), and without the unknown keys of a plain `z.object` (an
 * object schema with `properties` and no `additionalProperties`), which zod strips. Only for
 * values checkJson accepts.
 */
export function withDefaults(schema: JsonSchema, value: unknown): unknown {
  const options = schema.oneOf ?? schema.anyOf;
  if (options) {
    const fit = options.find((option) => problemsOf(option, value, '$').length === 0);
    return fit ? withDefaults(fit, value) : value;
  }
  if (Array.isArray(value)) return value.map((item) => (schema.items ? withDefaults(schema.items, item) : item));
  if (!isRecord(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const known = Object.hasOwn(schema.properties ?? {}, key) ? schema.properties?.[key] : undefined;
    if (!known && schema.properties && schema.additionalProperties === undefined) continue;
    const sub = known ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
    copy[key] = sub && v !== undefined ? withDefaults(sub, v) : v;
  }
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    if (copy[key] === undefined && sub.default !== undefined) copy[key] = structuredClone(sub.default);
  }
  return copy;
}
