// ≥1,000 generated configs through `check` (all stages but preflight): every outcome is a
// valid config or a list of coded config issues; nothing throws, nothing hangs, no
// SLW_INTERNAL. Configs are written as JSON (valid YAML) so keys such as __proto__ stay keys,
// or assembled from raw YAML fragments (anchors, aliases, tabs, unclosed quotes).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { configCodes } from '../../src/config/codes.js';
import { checkConfig } from '../../src/config/load.js';
import { RoutingTableSchema } from '../../src/proxy/protocol.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-config-fuzz-'));
  await writeFile(join(dir, 'ok.env'), 'A=1\n');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A JSON object text with exactly these keys, in order (no prototype games by the generator). */
const objectText = (entries: ReadonlyArray<readonly [string, string]>): string => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
const json = (v: unknown): string => JSON.stringify(v) ?? 'null';

const name = fc.oneof(
  fc.constantFrom('web', 'api', 'worker', '__proto__', 'constructor', 'prototype', 'Web', '-x', '', 'a'.repeat(70), 'toString'),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/),
  fc.string({ maxLength: 6 }),
);
const duration = fc.oneof(
  fc.constantFrom('30s', '24d', '25d', '30d', '99999999999999d', '2147483648ms', '0s', '1.5m', '-1s', '30', '1e3s', '10 s', ''),
  fc.string({ maxLength: 6 }),
  fc.integer(),
  fc.double(),
);
const size = fc.oneof(fc.constantFrom('10MB', '64GB', '65GB', '1MB', '2MB', '0B', '1.5KiB', '10', 'big'), fc.string({ maxLength: 5 }), fc.integer());
const anyScalar = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null));

const field = (key: string, value: fc.Arbitrary<string>): fc.Arbitrary<readonly [string, string] | undefined> =>
  fc.option(value.map((v) => [key, v] as const), { nil: undefined });
const entries = (...fields: Array<fc.Arbitrary<readonly [string, string] | undefined>>): fc.Arbitrary<string> =>
  fc.tuple(...fields).map((list) => objectText(list.filter((e): e is readonly [string, string] => e !== undefined)));

const route = entries(
  field('host', fc.oneof(fc.constantFrom('app.test', '*.app.test', 'APP.test', 'app.test:80', 'http://x'), fc.string({ maxLength: 6 })).map(json)),
  field('path', fc.oneof(fc.constantFrom('/', '/admin', 'admin', '/a b', '/%2f'), fc.string({ maxLength: 6 })).map(json)),
  field('basicAuth', fc.constantFrom('{"users":{"ops":"${secret:OPS}"}}', '{"users":{}}', '1').map((s) => s)),
);
const service = entries(
  field('run', fc.oneof(fc.constant('"node app.js"'), fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }).map(json), anyScalar.map(json))),
  field('drain', duration.map(json)),
  field('keepWarm', duration.map(json)),
  field('stopTimeout', duration.map(json)),
  field('instances', fc.oneof(fc.integer({ min: -2, max: 200 }), fc.string({ maxLength: 3 })).map(json)),
  field('health', entries(field('interval', duration.map(json)), field('timeout', duration.map(json)), field('path', fc.string({ maxLength: 5 }).map(json)))),
  field('routes', fc.array(route, { maxLength: 2 }).map((r) => `[${r.join(',')}]`)),
  field('env', fc.array(fc.tuple(name, anyScalar.map(json)), { maxLength: 3 }).map(objectText)),
  field('envFile', fc.constantFrom('"/dev/zero"', '"missing.env"', '"ok.env"', '"."', '3')),
  field('strategy', fc.oneof(fc.constantFrom('"blue-green"', '"canary"', '"rolling"'), anyScalar.map(json))),
  field('dependsOn', fc.array(name, { maxLength: 2 }).map(json)),
);
const jsonConfig = entries(
  field('version', fc.oneof(fc.constant(1), fc.integer(), fc.string({ maxLength: 3 })).map(json)),
  field('services', fc.array(fc.tuple(name, service), { maxLength: 3 }).map(objectText)),
  field('proxy', entries(field('limits', entries(field('body', size.map(json)), field('headers', size.map(json)), field('upstreamTimeout', duration.map(json)))), field('http', fc.oneof(fc.integer({ min: -1, max: 70000 }), fc.string({ maxLength: 3 })).map(json)))),
  field('environments', fc.array(fc.tuple(name, fc.constant('{}')), { maxLength: 2 }).map(objectText)),
  field('secrets', fc.array(fc.tuple(name, fc.constant('{}')), { maxLength: 2 }).map(objectText)),
);
/** Near-valid configs (valid names and values, sometimes a bad one), so the valid path runs too. */
const nearValid = fc
  .record({
    name: fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/),
    drain: fc.constantFrom('30s', '24d', '2147483647ms', '25d', '1.5m'),
    body: fc.constantFrom('10MB', '64GB', '65GB', '1KB'),
    path: fc.constantFrom('/', '/api', '/admin'),
    rate: fc.constantFrom('20/s', '5/min', '1/d', '1000000/s', '0/s', '1000001/s', '0.5/h'),
  })
  .map(({ name: n, drain, body, path, rate }) =>
    json({ version: 1, proxy: { limits: { body }, rateLimits: { z: { rate } } }, services: { [n]: { run: 'node app.js', drain, routes: [{ host: 'app.test', path, rateLimit: 'z' }] } } }),
  );
const FRAGMENTS = [
  'version: 1', 'services:', '  web:', '    run: node app.js', '  web: &w', '    env: { X: *w }', 'services: &s { web: *s }', '  __proto__: {}',
  '    drain: 30d', '    drain: 24d', '\tweb:', '"unclosed', 'x: [1, 2', '- a', ': :', '  api: *w', 'services: *nothing', '<<: *w', '---', '...', '#', '',
  '    envFile: /dev/zero', '  constructor:', '    routes: [{ host: app.test, path: /admin }]', '&a [*a]', 'version: !!binary AAAA',
];
const rawYaml = fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 12 })), { maxLength: 12 }).map((lines) => lines.join('\n'));

test('1,000+ generated configs: a valid config or coded issues, no crash, no hang', { timeout: 120_000 }, async () => {
  const started = Date.now();
  let runs = 0;
  let valid = 0;
  let slowest = 0;
  await fc.assert(
    fc.asyncProperty(fc.oneof({ arbitrary: jsonConfig, weight: 3 }, { arbitrary: rawYaml, weight: 1 }, { arbitrary: nearValid, weight: 1 }), async (text) => {
      const file = join(dir, 'slipway.yaml');
      await writeFile(file, text);
      const t0 = Date.now();
      const result = await checkConfig({ file });
      slowest = Math.max(slowest, Date.now() - t0);
      runs++;
      if (result.config) {
        valid++;
        assert.deepEqual(result.issues, []);
        // What check accepts, the proxy accepts: its limits and zones pass the table's schema.
        const { limits, rateLimits } = result.config.proxy;
        assert.ok(RoutingTableSchema.shape.limits.safeParse(limits ?? undefined).success, `limits ${JSON.stringify(limits)}`);
        assert.ok(RoutingTableSchema.shape.rateLimits.safeParse(rateLimits ?? undefined).success, `zones ${JSON.stringify(rateLimits)}`);
        return;
      }
      assert.ok(result.issues.length > 0, 'no config and no issue');
      for (const issue of result.issues) {
        assert.ok(Object.hasOwn(configCodes, issue.code), `unknown code ${issue.code}: ${issue.message}`);
        assert.notEqual(issue.code, 'SLW_INTERNAL');
        assert.equal(typeof issue.message, 'string');
      }
    }),
    { numRuns: 1200, seed: 0x51_1e_16 },
  );
  assert.ok(runs >= 1000, `${runs} runs`);
  assert.ok(slowest < 5000, `slowest check took ${slowest} ms`);
  assert.ok(valid > 0, 'some generated configs are valid, so the valid path is exercised too');
  assert.ok(Date.now() - started < 90_000);
});
