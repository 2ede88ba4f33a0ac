import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig } from '../../src/config/load.js';
import { hashPassword } from '../../src/secrets/password-hash.js';
import { DEFAULT_LIMITS } from '../../src/proxy/admission/limits.js';
import { refsIn } from '../../src/secrets/reference.js';
import { Redactor } from '../../src/secrets/redactor.js';
import { resolveRouteSecrets } from '../../src/secrets/route-secrets.js';
import { Secret } from '../../src/secrets/secret.js';

async function load(yaml: string) {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-policy-config-'));
  try {
    const file = join(dir, 'slipway.yaml');
    await writeFile(file, yaml);
    return await checkConfig({ file });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('proxy admission settings: sizes, durations, rates, the general zone by default, off, basic auth realm', async () => {
  const hash = hashPassword('pw');
  const { config, issues } = await load(`version: 1
proxy:
  trustedProxies: [10.0.0.0/8, 192.0.2.7, "2001:db8::/32"]
  limits: { body: 1MB, headers: 16KB, headerTimeout: 5s, idleTimeout: 75s, upstreamTimeout: 2m, maxConnections: 2000 }
  rateLimits:
    general: { rate: 20/s, burst: 40 }
    auth: { rate: 5/min }
    api: { rate: 2.5/s }
services:
  web:
    run: node server.js
    routes:
      - { host: app.example.com }
      - { host: app.example.com, path: /login, rateLimit: auth, basicAuth: { users: { ops: "${hash}" } } }
      - { host: app.example.com, path: /health, rateLimit: off }
      - { host: app.example.com, path: /api, rateLimit: api, basicAuth: { realm: Team API, users: { ops: "${hash}" } } }
`);
  assert.deepEqual(issues, []);
  assert.ok(config);
  assert.deepEqual(config.proxy.trustedProxies, ['10.0.0.0/8', '192.0.2.7', '2001:db8::/32']);
  assert.deepEqual(config.proxy.limits, { bodyBytes: 1024 ** 2, headerBytes: 16 * 1024, headerTimeoutMs: 5000, idleTimeoutMs: 75_000, upstreamTimeoutMs: 120_000, maxConnections: 2000 });
  assert.deepEqual(config.proxy.rateLimits, { general: { perSecond: 20, burst: 40 }, auth: { perSecond: 5 / 60, burst: 1 }, api: { perSecond: 2.5, burst: 3 } });
  const routes = config.services['web']?.routes ?? [];
  assert.deepEqual(routes.map((r) => r.rateLimit), ['general', 'auth', undefined, 'api']);
  assert.deepEqual(routes.map((r) => r.basicAuth?.realm), [undefined, 'web', undefined, 'Team API']);
  assert.equal(routes[1]?.basicAuth?.users['ops'], hash);
});

test('defaults: limits always on (the proxy defaults), no trusted proxies, no zones, no route limited', async () => {
  const { config, issues } = await load(`version: 1
services:
  web:
    run: node server.js
    routes: [{ host: app.example.com }]
`);
  assert.deepEqual(issues, []);
  assert.deepEqual(config?.proxy.limits, DEFAULT_LIMITS, 'config defaults and proxy defaults agree');
  assert.deepEqual(config?.proxy.trustedProxies, []);
  assert.deepEqual(config?.proxy.rateLimits, {});
  assert.equal(config?.services['web']?.routes[0]?.rateLimit, undefined);
});

test('an unknown zone is reported with a suggestion; a password hash is never echoed in an issue', async () => {
  const { issues } = await load(`version: 1
proxy:
  rateLimits: { api: { rate: 10/s } }
services:
  web:
    run: node server.js
    routes:
      - { host: app.example.com, rateLimit: apis, basicAuth: { users: { ops: "not-a-hash-secret-ish" } } }
`);
  const zone = issues.find((i) => i.code === 'SLW_CONFIG_UNKNOWN_ZONE');
  assert.ok(zone, JSON.stringify(issues));
  assert.match(zone.hint, /did you mean api\?/);
  const hash = issues.find((i) => i.code === 'SLW_CONFIG_BAD_PASSWORD_HASH');
  assert.ok(hash);
  assert.ok(!JSON.stringify(issues).includes('not-a-hash-secret-ish'), 'the value is not echoed');
});

test('a basic-auth hash may come from the secret store: ${secret:NAME} stays a reference until the daemon publishes the table', async () => {
  const { config, issues } = await load(`version: 1
secrets:
  ops_hash: {}
services:
  web:
    run: node server.js
    routes:
      - { host: app.example.com, basicAuth: { users: { ops: "\${secret:ops_hash}" } } }
`);
  assert.deepEqual(issues, []);
  const value = config?.services['web']?.routes[0]?.basicAuth?.users['ops'] ?? '';
  assert.deepEqual(refsIn(value), [{ kind: 'value', env: 'default', ref: 'ops_hash' }]);

  const hash = hashPassword('pw');
  const redactor = new Redactor();
  const asked: string[] = [];
  const source = { get: async (env: string, ref: string) => (asked.push(`${env}:${ref}`), new Secret(ref, `${hash}\n`)) };
  const table = { version: 1, listen: { host: '127.0.0.1', http: 0 }, services: {}, routes: [{ host: 'a', path: '/', service: 'web', basicAuth: { realm: 'web', users: { ops: value } } }, { host: 'b', path: '/', service: 'web' }] };
  const resolved = await resolveRouteSecrets(table, source, redactor);
  assert.equal(resolved.routes[0]?.basicAuth?.users['ops'], hash);
  assert.deepEqual(resolved.routes[1], table.routes[1]);
  assert.deepEqual(asked, ['default:ops_hash']);
  assert.equal(table.routes[0]?.basicAuth?.users['ops'], value, 'the input table is not changed');
  assert.equal(redactor.redact(`log ${hash}`), 'log [redacted:ops_hash]');
  const missing = { get: async () => Promise.reject(new Error('not set')) };
  await assert.rejects(resolveRouteSecrets(table, missing, redactor), (err: { code?: string; message: string }) => err.code === 'SLW_SECRETS_INJECT_FAILED' && /ops_hash/.test(err.message));
});

test('an undeclared secret in basicAuth is reported', async () => {
  const { issues } = await load(`version: 1
services:
  web:
    run: node server.js
    routes:
      - { host: app.example.com, basicAuth: { users: { ops: "\${secret:ops_hash}" } } }
`);
  assert.deepEqual(issues.map((i) => i.code), ['SLW_CONFIG_UNKNOWN_SECRET']);
});

test('route allow/deny and admin.allow load as written; an empty list is refused', async () => {
  const { config, issues } = await load(`version: 1
admin:
  listen: 127.0.0.1:9180
  allow: [127.0.0.1, "::1", 10.0.0.0/8]
services:
  web:
    run: node server.js
    routes:
      - { host: app.example.com }
      - { host: app.example.com, path: /metrics, allow: [10.0.0.0/8, "2001:db8::/32"], deny: [10.66.0.0/16] }
`);
  assert.deepEqual(issues, []);
  assert.deepEqual(config?.admin?.allow, ['127.0.0.1', '::1', '10.0.0.0/8']);
  const routes = config?.services['web']?.routes ?? [];
  assert.deepEqual(routes.map((r) => [r.allow, r.deny]), [[undefined, undefined], [['10.0.0.0/8', '2001:db8::/32'], ['10.66.0.0/16']]]);
  const empty = await load(`version: 1
services:
  web:
    run: node server.js
    routes: [{ host: app.example.com, allow: [] }]
`);
  assert.equal(empty.config, undefined);
  assert.ok(empty.issues.length > 0);
});
