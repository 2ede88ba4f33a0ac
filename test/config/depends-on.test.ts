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

test('dependsOn: deploy order follows it, file order breaks ties', async () => {
  const { config, issues } = await check(`version: 1\nservices:\n${svc('web', 'api')}${svc('worker', 'api')}${svc('api', 'db')}${svc('db')}${svc('docs')}`);
  assert.deepEqual(issues, []);
  assert.ok(config);
  assert.deepEqual(config.services['web']?.dependsOn, ['api']);
  assert.deepEqual(deployOrder(config.services), ['db', 'api', 'web', 'worker', 'docs']);
  assert.deepEqual(deployOrder({ a: {}, b: { dependsOn: ['a'] }, c: {} }), ['a', 'b', 'c'], 'no dependsOn at all: file order');
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
