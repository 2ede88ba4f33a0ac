// The proxy checks each daemon ⇄ proxy message (the routing table above all) with
// src/proxy/protocol-contract.ts (JSON Schema generated from src/proxy/protocol.ts) and
// src/lib/json-check.ts, so that it runs without zod. These tests keep the file in sync with the zod
// schemas (the source of truth), and the verdict and the value kept (defaults filled in) equal to
// zod's on valid, mutated and arbitrary messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { jsonProblems, withDefaults } from '../../src/lib/json-check.js';
import { RoutingTableSchema } from '../../src/proxy/protocol.js';
import { proxyContract, type ProxyMessage } from '../../src/proxy/protocol-contract.js';
import { parseTable } from '../../src/proxy/table-store.js';
import { PROXY_MESSAGES, renderProxyContract } from '../../scripts/proxy-contract.js';
import { mutate, valueOf } from '../helpers/json-schema-values.js';
import { makeTable } from '../helpers/proxy-fixtures.js';

test('src/proxy/protocol-contract.ts is generated from the current schemas of protocol.ts (npm run api:contract)', async () => {
  const current = await readFile(new URL('../../src/proxy/protocol-contract.ts', import.meta.url), 'utf8');
  assert.ok(current === renderProxyContract(), 'src/proxy/protocol-contract.ts is out of date: run `npm run api:contract` after changing src/proxy/protocol.ts');
  assert.deepEqual(Object.keys(proxyContract).sort(), Object.keys(PROXY_MESSAGES).sort());
});

const json = (v: unknown): unknown => JSON.parse(JSON.stringify(v) ?? 'null');

test('json-check agrees with zod on valid, mutated and arbitrary messages, defaults included', () => {
  for (const [name, zod] of Object.entries(PROXY_MESSAGES)) {
    const schema = proxyContract[name as ProxyMessage];
    let accepted = 0;
    let rejected = 0;
    const values = fc.oneof(
      { weight: 3, arbitrary: valueOf(schema) },
      { weight: 4, arbitrary: fc.tuple(valueOf(schema), fc.array(fc.nat(50), { maxLength: 6 }), fc.jsonValue({ maxDepth: 1 })).map(([v, path, r]) => mutate(v, path, r)) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    );
    fc.assert(
      fc.property(values, (raw) => {
        const value = json(raw); // what crosses the socket
        const problems = jsonProblems(schema, value);
        const theirs = zod.safeParse(value);
        assert.equal(problems.length === 0, theirs.success, `${name}: json-check says ${JSON.stringify(problems[0]) ?? 'valid'}, zod says ${theirs.success}, for ${JSON.stringify(value)}`);
        if (theirs.success) {
          accepted++;
          assert.deepEqual(withDefaults(schema, value), theirs.data, name);
        } else rejected++;
      }),
      { numRuns: name === 'routingTable' ? 1500 : 300 },
    );
    // The generators reach both verdicts often: a property that only ever saw one side proves little.
    assert.ok(accepted > 50 && rejected > 50, `${name}: accepted ${accepted}, rejected ${rejected}`);
  }
});

test('the proxy fills in the defaults and lists every schema issue by path', () => {
  const table = makeTable(1, { web: { targets: [{ id: 'a', release: 'r', port: 1 }, { id: 'b', release: 'r', port: 2 }] } });
  const input = json(table) as { listen: { host?: string }; services: { web: { targets: Array<{ host?: string }> } } };
  delete input.listen.host;
  for (const t of input.services.web.targets) delete t.host;
  const parsed = parseTable(input);
  assert.equal(parsed.listen.host, '0.0.0.0');
  assert.ok(parsed.services['web']?.targets.every((t) => t.host === '127.0.0.1'));
  assert.deepEqual(parsed, RoutingTableSchema.parse(input));

  const bad = json(table) as Record<string, unknown> & { routes: Array<Record<string, unknown>> };
  bad['bogus'] = 1;
  bad.routes.push({ host: 'a', path: 'no-slash', service: 'web' });
  assert.throws(() => parseTable(bad), (err: { code: string; details: { issues: Array<{ path: string; message: string }> } }) => {
    assert.equal(err.code, 'SLW_PROXY_BAD_TABLE');
    assert.deepEqual(err.details.issues.map((i) => i.path).sort(), ['$.bogus', `$.routes[${bad.routes.length - 1}].path`]);
    return true;
  });
  // Keys that name Object.prototype members are unknown keys like any other.
  assert.equal(RoutingTableSchema.safeParse({ ...table, constructor: 1 }).success, false);
  assert.ok(jsonProblems(proxyContract.routingTable, { ...json(table) as object, constructor: 1 }).length > 0);
});

test('header names and values follow their patterns: no CR/LF reaches a response', () => {
  const withHeaders = (set: Record<string, string>): unknown => {
    const t = json(makeTable(1, { web: { targets: [{ id: 'a', release: 'r', port: 1 }, { id: 'b', release: 'r', port: 2 }] } })) as { services: { web: Record<string, unknown> } };
    t.services.web['headers'] = { preset: 'off', set };
    return t;
  };
  const sets: Array<Record<string, string>> = [{ 'x-a': 'v\r\nset-cookie: x' }, { 'X-Upper': 'v' }, { 'x a': 'v' }];
  for (const set of sets) {
    assert.equal(RoutingTableSchema.safeParse(withHeaders(set)).success, false);
    assert.ok(jsonProblems(proxyContract.routingTable, withHeaders(set)).length > 0, JSON.stringify(set));
  }
  assert.deepEqual(jsonProblems(proxyContract.routingTable, withHeaders({ 'x-a': 'v\tw' })), []);
});

test('the generator refuses what JSON Schema would drop silently: a refine or a transform in a proxy message', async () => {
  const { z } = await import('zod');
  const { jsonSchemaOf } = await import('../../scripts/json-schema-of.js');
  assert.throws(() => jsonSchemaOf(z.strictObject({ a: z.string().refine((v) => v !== 'x') }), 'm', { exact: true }), /m at properties.a: a refine\(\)/);
  assert.throws(() => jsonSchemaOf(z.strictObject({ a: z.string().transform((v) => v.length) }), 'm', { exact: true }), /m at properties.a: a transform/);
  assert.throws(() => jsonSchemaOf(z.strictObject({ a: z.email() }), 'm', { exact: true }), /keyword "format"/);
  assert.deepEqual(jsonSchemaOf(z.strictObject({ a: z.string().startsWith('/') }), 'm', { exact: true }), {
    type: 'object', properties: { a: { type: 'string', pattern: '^\\/.*' } }, required: ['a'], additionalProperties: false,
  });
});
