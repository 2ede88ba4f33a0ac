import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig } from '../../src/config/load.js';

async function check(services: string) {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-health-'));
  try {
    await writeFile(join(dir, 'slipway.yaml'), `version: 1\nservices:\n${services}`);
    return await checkConfig({ file: join(dir, 'slipway.yaml') });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const located = (issues: { code: string; path: string; location?: { line: number; col: number } | undefined }[]) => issues.map((i) => `${i.code} ${i.path} ${i.location?.line}:${i.location?.col}`);

test('health: readiness gates traffic, liveness restarts; the single form stays both', async () => {
  const { config, issues } = await check(
    [
      '  web:',
      '    run: node web.js',
      '    health:',
      '      readiness: { path: /ready, interval: 500ms, rise: 1 }',
      '      liveness: { path: /live, interval: 2s, failures: 4 }',
      '  api:',
      '    run: node api.js',
      '    health: { path: /health, liveness: { failures: 5 } }',
      '  plain:',
      '    run: node plain.js',
      '    health: { path: /up }',
      '  worker:',
      '    kind: worker',
      '    run: node worker.js',
      '    health: { liveness: { command: "test -f alive" } }',
      '',
    ].join('\n'),
  );
  assert.deepEqual(issues, []);
  const health = (name: string) => config?.services[name]?.health;
  assert.equal(health('web')?.path, '/ready');
  assert.equal(health('web')?.intervalMs, 500);
  assert.equal(health('web')?.rise, 1);
  assert.deepEqual(health('web')?.liveness, { path: '/live', kind: 'http', intervalMs: 2000, timeoutMs: 2000, failures: 4 });
  assert.deepEqual(health('api')?.liveness, { path: '/health', kind: 'http', intervalMs: 5000, timeoutMs: 2000, failures: 5 }, 'no check of its own: the readiness one');
  assert.equal(health('plain')?.liveness, undefined, 'the single form: one check for both');
  assert.equal(health('worker')?.kind, 'process');
  assert.deepEqual(health('worker')?.liveness, { path: '/', kind: 'command', command: ['test', '-f', 'alive'], intervalMs: 5000, timeoutMs: 2000, failures: 3 });
});

test('health: readiness beside the single form, two checks in one, a worker liveness with nothing to check, zero timings: coded issues with file:line:col', async () => {
  const { config, issues } = await check(
    [
      '  web:',
      '    run: node web.js',
      '    health:',
      '      path: /health',
      '      readiness: { path: /ready }',
      '  api:',
      '    run: node api.js',
      '    health: { readiness: { tcp: true }, liveness: { path: /live, tcp: true, interval: 0s } }',
      '  worker:',
      '    kind: worker',
      '    run: node worker.js',
      '    health: { liveness: { failures: 2 } }',
      '',
    ].join('\n'),
  );
  assert.equal(config, undefined);
  assert.deepEqual(located(issues).sort(), [
    'SLW_CONFIG_HEALTH_KIND services.api.health.liveness.tcp 10:71',
    'SLW_CONFIG_HEALTH_KIND services.api.health.readiness.tcp 10:33',
    'SLW_CONFIG_HEALTH_KIND services.worker.health.liveness 14:25',
    'SLW_CONFIG_HEALTH_TIMING services.api.health.liveness.interval 10:87',
    'SLW_CONFIG_HEALTH_TWICE services.web.health.path 6:7',
  ]);
  assert.match(issues.find((i) => i.code === 'SLW_CONFIG_HEALTH_TWICE')?.message ?? '', /put the readiness check's settings inside readiness/);
});
