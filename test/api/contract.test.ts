// The CLI checks API calls with src/api/contract.ts (JSON Schema generated from the zod schemas)
// and src/api/json-check.ts. These tests keep the file in sync with the schemas and the checker's
// verdict equal to zod's on valid values, mutated values and arbitrary JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { contract } from '../../src/api/contract.js';
import { checkJson, type JsonSchema } from '../../src/api/json-check.js';
import { methods, type MethodName } from '../../src/api/schemas.js';
import { renderApiContract } from '../../scripts/api-contract.js';
import { readFile } from 'node:fs/promises';

test('src/api/contract.ts is generated from the current schemas (npm run api:contract)', async () => {
  const current = await readFile(new URL('../../src/api/contract.ts', import.meta.url), 'utf8');
  assert.ok(current === renderApiContract(), 'src/api/contract.ts is out of date: run `npm run api:contract` after changing src/api/schemas.ts');
  assert.deepEqual(Object.keys(contract).sort(), Object.keys(methods).sort());
});

/** Values that follow a schema (as far as its keywords say), to be mutated by the tests. */
function valueOf(s: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.oneOf) return fc.oneof(...s.oneOf.map((o) => valueOf(o, depth + 1)));
  if (s.anyOf) return fc.oneof(...s.anyOf.map((o) => valueOf(o, depth + 1)));
  switch (s.type) {
    case 'string':
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
      if (!s.properties) return fc.dictionary(fc.string({ maxLength: 4 }), typeof s.additionalProperties === 'object' ? valueOf(s.additionalProperties, depth + 1) : fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 });
      const required = new Set(s.required ?? []);
      const entries = Object.entries(s.properties).map(([k, v]) => [k, depth > 4 && !required.has(k) ? fc.constant(undefined) : valueOf(v, depth + 1)] as const);
      return fc.record(Object.fromEntries(entries), { requiredKeys: [...required] });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Replaces one node of a JSON value (or deletes/adds a key) by path chosen from `pick`. */
function mutate(value: unknown, pick: number[], replacement: unknown): unknown {
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

const sides = (Object.keys(methods) as MethodName[]).flatMap((m) => (['request', 'response'] as const).map((side) => ({ m, side })));
const json = (v: unknown): unknown => JSON.parse(JSON.stringify(v) ?? 'null');

test('json-check agrees with zod on valid, mutated and arbitrary values of every method', () => {
  let accepted = 0;
  let rejected = 0;
  for (const { m, side } of sides) {
    const schema = contract[m][side];
    const zod = methods[m][side];
    const values = fc.oneof(
      { weight: 3, arbitrary: valueOf(schema) },
      { weight: 4, arbitrary: fc.tuple(valueOf(schema), fc.array(fc.nat(50), { maxLength: 5 }), fc.jsonValue({ maxDepth: 1 })).map(([v, path, r]) => mutate(v, path, r)) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    );
    fc.assert(
      fc.property(values, (raw) => {
        const value = json(raw); // what crosses the socket
        const ours = checkJson(schema, value) === undefined;
        const theirs = zod.safeParse(value).success;
        if (ours) accepted++;
        else rejected++;
        assert.equal(ours, theirs, `${m}.${side}: json-check says ${ours ? 'valid' : checkJson(schema, value)}, zod says ${theirs}, for ${JSON.stringify(value)}`);
      }),
      { numRuns: 150 },
    );
  }
  // The generators reach both verdicts often: a property that only ever saw one side proves little.
  assert.ok(accepted > 1000 && rejected > 1000, `accepted ${accepted}, rejected ${rejected}`);
});

test('json-check names the path of the first problem', () => {
  const problem = checkJson(contract.status.response, { daemon: { pid: 'x' } });
  assert.match(problem ?? '', /^\$\.(daemon\.|proxy)/);
  assert.equal(checkJson(contract.history.request, { limit: 0 }), '$.limit: not above 0');
  assert.equal(checkJson(contract.history.request, { bogus: 1 }), '$.bogus: not allowed');
  assert.equal(checkJson(contract.stop.response, { stopping: false }), '$.stopping: expected true');
});

test('json-check applies the bounds the random values rarely reach, as zod does', () => {
  const cases: Array<[MethodName, unknown]> = [
    ['maintenance', { action: 'on', allow: Array.from({ length: 257 }, () => '10.0.0.1') }],
    ['maintenance', { action: 'on', message: 'x'.repeat(2001) }],
    ['maintenance', { action: 'on', service: '' }],
    ['logs', { service: 'web', lines: 10_001 }],
    ['logs', { service: 'web', lines: 1.5 }],
    ['alerts.silence', { rule: 'r', forMs: 366 * 86_400_000 + 1 }],
  ];
  for (const [m, value] of cases) {
    assert.equal(methods[m].request.safeParse(value).success, false, `zod rejects ${m} ${JSON.stringify(value).slice(0, 60)}`);
    assert.notEqual(checkJson(contract[m].request, value), undefined, `json-check rejects ${m} ${JSON.stringify(value).slice(0, 60)}`);
  }
  assert.equal(checkJson(contract.maintenance.request, { action: 'on', allow: Array.from({ length: 256 }, () => '10.0.0.1') }), undefined);
});
