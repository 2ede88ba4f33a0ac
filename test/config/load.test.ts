import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { checkConfig, loadConfig } from '../../src/config/load.js';
import { SlipwayError } from '../../src/errors.js';
import { DEFAULT_LIMITS } from '../../src/proxy/admission/limits.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const good = (name: string) => join(fixtures, 'good-config', name);

test('minimal config gets every default', async () => {
  const config = await loadConfig({ file: good('minimal.yaml') });
  assert.equal(config.file, good('minimal.yaml'));
  assert.equal(config.dir, join(fixtures, 'good-config'));
  assert.equal(config.env, undefined);
  assert.deepEqual(config.proxy, { http: 80, host: '0.0.0.0', accessLog: true, trustedProxies: [], limits: DEFAULT_LIMITS, rateLimits: {} });
  assert.deepEqual(config.services, {
    worker: {
      name: 'worker',
      kind: 'web',
      dependsOn: [],
      volumes: {},
      source: join(fixtures, 'good-config'),
      build: undefined,
      run: ['node', 'worker.js'],
      routes: [],
      health: { path: '/', kind: 'http', intervalMs: 1000, timeoutMs: 2000, rise: 2, fall: 3, startTimeoutMs: 60_000 },
      instances: 1,
      drainMs: 30_000,
      keepWarmMs: 600_000,
      watchMs: 30_000,
      stopTimeoutMs: 10_000,
      env: {},
      strategy: 'blue-green',
      canary: {
        steps: [0.05, 0.25, 0.5],
        minHoldMs: [60_000, 60_000, 120_000],
        minRequests: [300, 1000, 2000],
        maxHoldMs: 900_000,
        bakeMs: 60_000,
        sticky: { kind: 'cookie', name: 'slipway_worker' },
        judge: { alpha: 0.01, errors: { margin: 0.002 }, latency: { margin: { relative: 0.2, ms: 5 }, quantiles: ['p95', 'p99'], loadRatio: 2 } },
        warmupMs: 30_000,
        lowTraffic: 'health',
      },
      headers: { preset: 'relaxed', set: {}, remove: [] },
      compress: true,
    },
  });
});

test('canary strategy: percentages, one value for every step, sticky by header', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-canary-cfg-'));
  const file = join(dir, 'slipway.yaml');
  await writeFile(
    file,
    'version: 1\nservices:\n  web:\n    run: node server.js\n    strategy:\n      canary: { steps: [10%, 50%], minHold: 5s, minRequests: [100, 400], sticky: header:X-User }\n',
  );
  const config = await loadConfig({ file });
  const web = config.services['web'];
  assert.equal(web?.strategy, 'canary');
  assert.deepEqual(web?.canary, {
    steps: [0.1, 0.5],
    minHoldMs: [5000, 5000],
    minRequests: [100, 400],
    maxHoldMs: 900_000,
    bakeMs: 60_000,
    sticky: { kind: 'header', name: 'X-User' },
    judge: { alpha: 0.01, errors: { margin: 0.002 }, latency: { margin: { relative: 0.2, ms: 5 }, quantiles: ['p95', 'p99'], loadRatio: 2 } },
    warmupMs: 30_000,
    lowTraffic: 'health',
  });
});

test('full config with the staging overlay: durations, argv, env strings, ${env}', async () => {
  const config = await loadConfig({ file: good('full.yaml'), env: 'staging' });
  assert.equal(config.env, 'staging');
  assert.deepEqual(config.proxy, { http: 8081, host: '127.0.0.1', accessLog: true, trustedProxies: [], limits: DEFAULT_LIMITS, rateLimits: {} });
  assert.deepEqual(Object.keys(config.services), ['web', 'jobs']);
  const web = config.services['web'];
  assert.ok(web);
  assert.equal(web.source, join(fixtures, 'good-config', 'app'));
  assert.deepEqual(web.build, ['sh', '-c', 'npm ci && npm run build']);
  assert.deepEqual(web.run, ['node', 'server.js', '--port-from-env']);
  assert.deepEqual(web.routes, [
    { host: 'staging.app.localhost', path: '/' },
    { host: '*.example.com', path: '/api' },
  ]);
  assert.deepEqual(web.health, { path: '/health', kind: 'http', intervalMs: 500, timeoutMs: 2000, rise: 3, fall: 4, startTimeoutMs: 90_000 });
  assert.equal(web.instances, 1);
  assert.deepEqual([web.drainMs, web.keepWarmMs, web.watchMs, web.stopTimeoutMs], [5000, 3_600_000, 45_000, 3000]);
  assert.deepEqual(web.env, { NODE_ENV: 'production', APP_ENV: 'staging', WORKERS: '4', DEBUG: 'true', PRICE: '${NOT_INTERPOLATED}' });
  assert.deepEqual(config.services['jobs']?.run, ['python3', '-m', 'jobs', '--queue=staging']);
  assert.equal(config.services['jobs']?.instances, 1);
});

test('the production overlay only changes what it names', async () => {
  const config = await loadConfig({ file: good('full.yaml'), env: 'production' });
  assert.equal(config.proxy.http, 8080);
  assert.equal(config.services['web']?.instances, 2);
  assert.equal(config.services['web']?.env['DEBUG'], 'false');
  assert.equal(config.services['jobs']?.instances, 3);
  assert.equal(config.services['web']?.routes[0]?.host, 'production.app.localhost');
});

test('the loaded config is deeply frozen', async () => {
  const config = await loadConfig({ file: good('full.yaml'), env: 'staging' });
  const web = config.services['web'];
  assert.ok(web);
  assert.throws(() => {
    (config.proxy as { http: number }).http = 1;
  }, TypeError);
  assert.throws(() => {
    (web.env as Record<string, string>)['X'] = 'y';
  }, TypeError);
  assert.throws(() => {
    (web.run as string[]).push('--x');
  }, TypeError);
  assert.throws(() => {
    (web.health as { rise: number }).rise = 9;
  }, TypeError);
  assert.equal(config.proxy.http, 8081);
});

test('a file with several problems reports all of them at once', async () => {
  const file = join(fixtures, 'bad-config', 'multi', 'several-problems.yaml');
  const { config, issues } = await checkConfig({ file });
  assert.equal(config, undefined);
  assert.deepEqual(
    issues.map((i) => `${i.code} ${i.path} ${i.location?.line}:${i.location?.col}`),
    [
      'SLW_CONFIG_BAD_PORT proxy.http 3:9',
      'SLW_CONFIG_BAD_DURATION services.web.drain 7:12',
      'SLW_CONFIG_UNKNOWN_KEY services.api.routs 14:5',
      'SLW_CONFIG_RESERVED_ENV services.web.env.PORT 11:7',
      'SLW_CONFIG_ROUTE_CONFLICT services.api.routes[0] 16:9',
      'SLW_CONFIG_RANGE environments.staging.services.web.instances 20:25',
    ],
  );
  const typo = issues.find((i) => i.code === 'SLW_CONFIG_UNKNOWN_KEY');
  assert.match(typo?.hint ?? '', /did you mean "routes"\?/);
  const bare = issues.find((i) => i.code === 'SLW_CONFIG_BAD_DURATION');
  assert.equal(bare?.hint, 'write 30s (units: ms, s, m, h, d)');
});

test('loadConfig throws SLW_CONFIG_INVALID with every issue in details', async () => {
  const file = join(fixtures, 'bad-config', 'multi', 'several-problems.yaml');
  const err = await loadConfig({ file }).then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof SlipwayError);
  assert.equal(err.code, 'SLW_CONFIG_INVALID');
  assert.equal(err.kind, 'user');
  assert.equal(err.message.split('\n')[0], 'several-problems.yaml has 6 problems:');
  assert.match(err.message, /several-problems\.yaml:7:12 services\.web\.drain: /);
  assert.equal((err.details?.['issues'] as unknown[]).length, 6);
  assert.deepEqual(err.location, { file, line: 3, col: 9 });
});

test('a missing file is SLW_CONFIG_NOT_FOUND, thrown and as an issue', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-config-'));
  const file = join(dir, 'slipway.yaml');
  await assert.rejects(loadConfig({ file }), (e: unknown) => e instanceof SlipwayError && e.code === 'SLW_CONFIG_NOT_FOUND');
  const { issues } = await checkConfig({ file });
  assert.deepEqual(issues.map((i) => [i.code, i.path]), [['SLW_CONFIG_NOT_FOUND', '']]);
});

test('a directory in place of the file is SLW_CONFIG_UNREADABLE', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-config-'));
  await mkdir(join(dir, 'slipway.yaml'));
  const { issues } = await checkConfig({ file: join(dir, 'slipway.yaml') });
  assert.deepEqual(issues.map((i) => i.code), ['SLW_CONFIG_UNREADABLE']);
});

test('source resolves from the config file directory, not the working directory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-config-'));
  await mkdir(join(dir, 'services', 'api'), { recursive: true });
  await writeFile(join(dir, 'slipway.yaml'), 'version: 1\nservices:\n  api:\n    source: services/api\n    run: [node, "main.js"]\n');
  const config = await loadConfig({ file: join(dir, 'slipway.yaml') });
  assert.equal(config.services['api']?.source, join(dir, 'services', 'api'));
  assert.deepEqual(config.services['api']?.run, ['node', 'main.js']);
});

test('an overlay error is reported in the overlay even when another env is chosen', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-config-'));
  const text = 'version: 1\nservices:\n  web:\n    run: node s.js\nenvironments:\n  a: {}\n  b:\n    services:\n      web: { drain: 10 }\n';
  await writeFile(join(dir, 'slipway.yaml'), text);
  const { issues } = await checkConfig({ file: join(dir, 'slipway.yaml'), env: 'a' });
  assert.deepEqual(issues.map((i) => `${i.code} ${i.path} ${i.location?.line}:${i.location?.col}`), [
    'SLW_CONFIG_BAD_DURATION environments.b.services.web.drain 9:21',
  ]);
});
