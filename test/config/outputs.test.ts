import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { checkConfig } from '../../src/config/load.js';
import { displayServiceRefs } from '../../src/config/service-refs.js';
import { resolveStackEnv } from '../../src/engine/service-refs.js';

async function check(yaml: string) {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-outputs-'));
  try {
    await writeFile(join(dir, 'slipway.yaml'), yaml);
    return await checkConfig({ file: join(dir, 'slipway.yaml') });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const STACK = `version: 1
services:
  db:
    kind: accessory
    run: postgres -D \${volume:pgdata} -p $PORT
    volumes: { pgdata: {} }
    health: { tcp: true }
    outputs: { url: "postgres://app@\${host}:\${port}/app" }
  api:
    run: node api.js
    dependsOn: [db]
    env: { DATABASE_URL: "\${service:db.url}", DB_ADDRESS: "\${service:db.address}" }
`;

test('outputs: ${service:NAME.OUTPUT}, ${service:NAME.address}, ${volume:NAME}, ${host}/${port} become markers, shown as written', async () => {
  const { config, issues } = await check(STACK);
  assert.deepEqual(issues, []);
  assert.ok(config);
  const db = config.services['db'];
  const api = config.services['api'];
  assert.equal(db?.kind, 'accessory');
  assert.equal(displayServiceRefs(db?.outputs?.['url'] ?? ''), 'postgres://app@${host}:${port}/app');
  assert.equal(displayServiceRefs(db?.run.at(-1) ?? ''), 'postgres -D ${volume:pgdata} -p $PORT');
  assert.equal(displayServiceRefs(api?.env['DATABASE_URL'] ?? ''), '${service:db.url}');
  assert.ok(api?.env['DATABASE_URL']?.includes('\0'), 'a marker, which no process accepts unresolved');
});

test('outputs: resolved from the dependency\'s active release and its live instance', () => {
  const release = { id: 'r3', spec: { outputs: { url: 'postgres://app@\0self:host\0:\0self:port\0/app' } } };
  const store = {
    service: (name: string) => (name === 'db' ? { activeRelease: 'r3' } : undefined),
    release: (_s: string, id: string) => (id === 'r3' ? release : undefined),
    instances: () => [{ state: 'healthy', port: 5433, handle: { address: { host: '127.0.0.1', port: 5433 } } }],
  };
  // Reference resolution reads only the store, stateDir and project of the engine's dependencies.
  const deps = { store, stateDir: '/state', project: 'shop' } as never;
  const env = resolveStackEnv(deps, { A: 'x=\0service:db.url\0', B: '\0service:db.address\0', C: '\0volume:uploads\0' }, undefined);
  assert.deepEqual(env, { A: 'x=postgres://app@127.0.0.1:5433/app', B: '127.0.0.1:5433', C: '/state/volumes/shop/uploads' });
  assert.throws(() => resolveStackEnv(deps, { A: '\0service:cache.address\0' }, undefined), /SLW_DEPENDENCY_NOT_DEPLOYED|no running release/);
});

test('outputs: unknown service, unknown output, a service not in dependsOn, an unknown volume, misplaced ${port}: coded issues with file:line:col', async () => {
  const { config, issues } = await check(`version: 1
services:
  db:
    kind: accessory
    run: postgres -D \${volume:data}
    health: { tcp: true }
    outputs: { url: "postgres://\${host}:\${port}/app" }
  api:
    run: node api.js
    env: { A: "\${service:db.url}", B: "\${service:dbx.url}", C: "\${service:db.uri}", D: "\${port}" }
  jobs:
    run: node jobs.js
    dependsOn: [db]
    release: node migrate.js \${service:db.address}
`);
  assert.equal(config, undefined);
  assert.deepEqual(
    issues.map((i) => `${i.code} ${i.path} ${i.location?.line}:${i.location?.col}`).sort(),
    [
      'SLW_CONFIG_BAD_INTERPOLATION services.api.env.D 10:88',
      'SLW_CONFIG_OUTPUT_NOT_DEPENDENCY services.api.env.A 10:15',
      'SLW_CONFIG_UNKNOWN_OUTPUT services.api.env.B 10:39',
      'SLW_CONFIG_UNKNOWN_OUTPUT services.api.env.C 10:64',
      'SLW_CONFIG_UNKNOWN_VOLUME services.db.run 5:10',
    ],
  );
  assert.match(issues.find((i) => i.path === 'services.api.env.A')?.hint ?? '', /dependsOn: \[db\]/);
});

test('accessory: routes, several instances or a canary are coded issues; replace is for workers only', async () => {
  const { issues } = await check(`version: 1
services:
  db:
    kind: accessory
    run: redis-server --port $PORT
    instances: 2
    strategy: canary
    routes: [{ host: db.localhost }]
`);
  assert.deepEqual(issues.map((i) => `${i.code} ${i.path}`).sort(), ['SLW_CONFIG_ACCESSORY_SHAPE services.db.instances', 'SLW_CONFIG_ACCESSORY_SHAPE services.db.routes', 'SLW_CONFIG_ACCESSORY_SHAPE services.db.strategy']);
  const replace = await check(`version: 1\nservices:\n  web:\n    run: node web.js\n    replace: stop-first\n  jobs:\n    kind: worker\n    run: node jobs.js\n    replace: stop-first\n`);
  assert.deepEqual(replace.issues.map((i) => `${i.code} ${i.path} ${i.location?.line}:${i.location?.col}`), ['SLW_CONFIG_REPLACE_KIND services.web.replace 5:14']);
});

test('outputs: any text in an env value either passes, or gives coded issues; never a throw', async () => {
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 40 }), async (text) => {
      const value = JSON.stringify(`\${service:${text}}`);
      const { issues } = await check(`version: 1\nservices:\n  db:\n    run: x\n    outputs: { url: u }\n  api:\n    run: y\n    dependsOn: [db]\n    env: { A: ${value} }\n`);
      for (const i of issues) assert.match(i.code, /^SLW_CONFIG_/);
    }),
    { numRuns: 60 },
  );
});
