/**
 * A checker for the small JSON Schema subset that `z.toJSONSchema` emits for the control API
 * (src/api/contract.ts, generated from src/api/schemas.ts). The CLI checks requests and
 * responses with it so that it validates every call without loading zod (see docs/design.md,
 * "The CLI checks the API contract without zod"); a property test keeps its verdicts equal to
 * zod's on the same values.
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
}

/** The keywords checkJson understands; the generator refuses a schema that uses any other. */
export const JSON_CHECK_KEYWORDS: ReadonlySet<string> = new Set([
  'type', 'properties', 'required', 'additionalProperties', 'propertyNames', 'items', 'maxItems', 'minItems',
  'enum', 'const', 'oneOf', 'anyOf', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength',
]);

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
  }
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) return `fewer than ${s.minItems} items`;
    if (s.maxItems !== undefined && v.length > s.maxItems) return `more than ${s.maxItems} items`;
  }
  return undefined;
}

function objectProblem(s: JsonSchema, v: Record<string, unknown>, path: string): string | undefined {
  for (const key of s.required ?? []) if (!(key in v) || v[key] === undefined) return `${path}.${key}: required`;
  for (const [key, value] of Object.entries(v)) {
    const known = s.properties?.[key];
    if (s.propertyNames) {
      const bad = checkJson(s.propertyNames, key, `${path}[${JSON.stringify(key)}] (key)`);
      if (bad) return bad;
    }
    if (known) {
      if (value === undefined) continue;
      const bad = checkJson(known, value, `${path}.${key}`);
      if (bad) return bad;
    } else if (s.additionalProperties === false) return `${path}.${key}: not allowed`;
    else if (typeof s.additionalProperties === 'object') {
      const bad = checkJson(s.additionalProperties, value, `${path}.${key}`);
      if (bad) return bad;
    }
  }
  return undefined;
}

/** The first problem of `value` against `schema` ("$.services[0].name: expected string"), or undefined. */
export function checkJson(schema: JsonSchema, value: unknown, path = '$'): string | undefined {
  if (schema.const !== undefined && value !== schema.const) return `${path}: expected ${JSON.stringify(schema.const)}`;
  if (schema.enum && !schema.enum.includes(value)) return `${path}: expected one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  if (typeProblem(schema.type, value)) return `${path}: expected ${schema.type}`;
  const bounds = boundsProblem(schema, value);
  if (bounds) return `${path}: ${bounds}`;
  if (schema.oneOf) {
    const problems = schema.oneOf.map((option) => checkJson(option, value, path));
    const matches = problems.filter((p) => p === undefined).length;
    if (matches !== 1) return matches === 0 ? (problems.find((p) => p !== undefined) ?? `${path}: no option matches`) : `${path}: more than one option matches`;
  }
  if (schema.anyOf) {
    const problems = schema.anyOf.map((option) => checkJson(option, value, path));
    if (!problems.includes(undefined)) return problems[0] ?? `${path}: no option matches`;
  }
  if (Array.isArray(value) && schema.items) {
    for (let i = 0; i < value.length; i++) {
      const bad = checkJson(schema.items, value[i], `${path}[${i}]`);
      if (bad) return bad;
    }
  }
  if (isRecord(value) && (schema.properties || schema.required || schema.additionalProperties !== undefined || schema.propertyNames)) {
    return objectProblem(schema, value, path);
  }
  return undefined;
}
