// The CLI checks API calls with src/api/contract.ts (JSON Schema generated from the zod schemas)
// and src/lib/json-check.ts. These tests keep the file in sync with the schemas and the checker's
// verdict equal to zod's on valid values, mutated values and arbitrary JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mutate, valueOf } from '../helpers/json-schema-values.js';
import { contract } from '../../src/api/contract.js';
import { checkJson } from '../../src/lib/json-check.js';
import { methods, type MethodName } from '../../src/api/schemas.js';
import { renderApiContract } from '../../scripts/api-contract.js';
import { readFile } from 'node:fs/promises';

test('src/api/contract.ts is generated from the current schemas (npm run api:contract)', async () => {
  const current = await readFile(new URL('../../src/api/contract.ts', import.meta.url), 'utf8');
  assert.ok(current === renderApiContract(), 'src/api/contract.ts is out of date: run `npm run api:contract` after changing src/api/schemas.ts');
  assert.deepEqual(Object.keys(contract).sort(), Object.keys(methods).sort());
});

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
