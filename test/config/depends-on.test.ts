import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig } from '../../src/config/load.js';
import { deployOrder } from '../../src/engine/deploy-order.js';

async function check(yaml: string) {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-depends-'));
  try {
    await writeFile(join(dir, 'slipway.yaml'), yaml);
    return await checkConfig({ file: join(dir, 'slipway.yaml') });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const svc = (name: string, deps?: string) => `  ${name}:\n    run: node ${name}.js\n${deps === undefined ? '' : `    dependsOn: [${deps}]\n`}`;

test('dependsOn: deploy order goes level by level of it, file order inside a level', async () => {
  const { config, issues } = await check(`version: 1\nservices:\n${svc('web', 'api')}${svc('worker', 'api')}${svc('api', 'db')}${svc('db')}${svc('docs')}`);
  assert.deepEqual(issues, []);
  assert.ok(config);
  assert.deepEqual(config.services['web']?.dependsOn, ['api']);
  assert.deepEqual(deployOrder(config.services), ['db', 'docs', 'api', 'web', 'worker']);
  assert.deepEqual(deployOrder({ a: {}, b: { dependsOn: ['a'] }, c: {} }), ['a', 'c', 'b'], 'c needs nothing: it goes with a');
  assert.deepEqual(deployOrder({ a: {}, b: {}, c: {} }), ['a', 'b', 'c'], 'no dependsOn at all: file order');
});

test('dependsOn: an unknown service and a circle are coded issues with file:line:col', async () => {
  const { config, issues } = await check(`version: 1\nservices:\n${svc('a', 'b')}${svc('b', 'c')}${svc('c', 'a')}${svc('d', 'nope')}${svc('e', 'e')}`);
  assert.equal(config, undefined);
  assert.deepEqual(
    issues.map((i) => `${i.code} ${i.path} ${i.location?.line}:${i.location?.col}`),
    [
      'SLW_CONFIG_UNKNOWN_DEPENDENCY services.d.dependsOn[0] 14:17',
      'SLW_CONFIG_DEPENDENCY_CYCLE services.c.dependsOn 11:16',
      'SLW_CONFIG_DEPENDENCY_CYCLE services.e.dependsOn 17:16',
    ],
  );
  assert.match(issues.find((i) => i.path === 'services.c.dependsOn')?.message ?? '', /a → b → c → a/);
  assert.match(issues.find((i) => i.path === 'services.e.dependsOn')?.message ?? '', /e → e/);
});

test('volumes: a path outside the release or absolute is a coded issue with file:line:col; default path ./NAME', async () => {
  const bad = await check(`version: 1\nservices:\n  web:\n    run: node web.js\n    volumes:\n      data: { path: ../data }\n      logs: { path: /var/log }\n      ok: {}\n`);
  assert.equal(bad.config, undefined);
  assert.deepEqual(
    bad.issues.map((i) => `${i.code} ${i.path} ${i.location?.line}:${i.location?.col}`),
    ['SLW_CONFIG_VOLUME_PATH services.web.volumes.data.path 6:21', 'SLW_CONFIG_VOLUME_PATH services.web.volumes.logs.path 7:21'],
  );
  const good = await check(`version: 1\nservices:\n  web:\n    run: node web.js\n    volumes:\n      data: {}\n      up: { path: ./public/uploads/ }\n`);
  assert.deepEqual(good.issues, []);
  assert.deepEqual(good.config?.services['web']?.volumes, { data: { path: 'data' }, up: { path: 'public/uploads' } });
});

test('kinds and checks: a worker with routes, a web service with a tcp or command check, two checks at once are coded issues; a worker without a check is checked by running', async () => {
  const bad = await check(
    `version: 1\nservices:\n  w:\n    kind: worker\n    run: node w.js\n    routes: [{ host: w.localhost }]\n  web:\n    run: node web.js\n    health: { tcp: true }\n  both:\n    kind: worker\n    run: node b.js\n    health: { tcp: true, command: "true" }\n`,
  );
  assert.deepEqual(
    bad.issues.map((i) => `${i.code} ${i.path}`),
    ['SLW_CONFIG_WORKER_ROUTES services.w.routes', 'SLW_CONFIG_HEALTH_KIND services.web.health.tcp', 'SLW_CONFIG_HEALTH_KIND services.both.health.command'],
  );
  const good = await check(`version: 1\nservices:\n  a:\n    kind: worker\n    run: node a.js\n  b:\n    kind: worker\n    run: node b.js\n    health: { command: "test -f ready", timeout: 1s }\n  c:\n    kind: worker\n    run: node c.js\n    health: { tcp: true }\n  web:\n    run: node web.js\n`);
  assert.deepEqual(good.issues, []);
  const h = (n: string) => good.config?.services[n]?.health;
  assert.deepEqual([h('a')?.kind, h('b')?.kind, h('c')?.kind, h('web')?.kind], ['process', 'command', 'tcp', 'http']);
  assert.deepEqual(h('b')?.command, ['test', '-f', 'ready']);
  assert.equal(good.config?.services['a']?.kind, 'worker');
});
