// Arbitrary values for a JSON Schema (src/lib/json-check.ts's subset), and mutations of them: the
// property tests of the generated contracts (test/api/contract.test.ts, test/proxy/protocol-contract.test.ts)
// compare json-check's verdicts with zod's on these.
import fc from 'fast-check';
import type { JsonSchema } from '../../src/lib/json-check.js';

/** Values that follow a schema (as far as its keywords say), to be mutated by the tests. */
export function valueOf(s: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.oneOf) return fc.oneof(...s.oneOf.map((o) => valueOf(o, depth + 1)));
  if (s.anyOf) return fc.oneof(...s.anyOf.map((o) => valueOf(o, depth + 1)));
  switch (s.type) {
    case 'string':
      if (s.pattern !== undefined) return fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length >= (s.minLength ?? 0) && v.length <= (s.maxLength ?? Infinity));
      return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 8, 8) });
    case 'integer':
      return fc.integer({ min: s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : Math.max(s.minimum ?? -1e6, -1e6), max: Math.min(s.maximum ?? 1e6, 1e6) });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true, min: s.minimum ?? -1e9, max: s.maximum ?? 1e9 });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return depth > 4 ? fc.constant([]) : fc.array(valueOf(s.items ?? {}, depth + 1), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 2, 2) });
    case 'object': {
      if (!s.properties) return fc.dictionary(s.propertyNames ? (valueOf(s.propertyNames, depth + 1) as fc.Arbitrary<string>) : fc.string({ maxLength: 4 }), typeof s.additionalProperties === 'object' ? valueOf(s.additionalProperties, depth + 1) : fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 });
      const required = new Set(s.required ?? []);
      const entries = Object.entries(s.properties).map(([k, v]) => [k, depth > 4 && !required.has(k) ? fc.constant(undefined) : valueOf(v, depth + 1)] as const);
      return fc.record(Object.fromEntries(entries), { requiredKeys: [...required] });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Replaces one node of a JSON value (or deletes/adds a key) by path chosen from `pick`. */
export function mutate(value: unknown, pick: number[], replacement: unknown): unknown {
  const [step, ...rest] = pick;
  if (step === undefined) return replacement;
  if (Array.isArray(value) && value.length > 0) {
    const copy = [...value];
    const i = step % copy.length;
    copy[i] = mutate(copy[i], rest, replacement);
    return copy;
  }
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    const copy: Record<string, unknown> = { ...value };
    if (keys.length === 0 || step % 5 === 0) {
      copy[`extra${step}`] = replacement;
      return copy;
    }
    const key = keys[step % keys.length] ?? '';
    if (step % 7 === 0) delete copy[key];
    else copy[key] = mutate(copy[key], rest, replacement);
    return copy;
  }
  return replacement;
}

