import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig } from '../../src/config/load.js';
import { MAX_TIMER_MS } from '../../src/config/schema-fields.js';
import { RoutingTableSchema } from '../../src/proxy/protocol.js';
import { makeTable } from '../helpers/proxy-fixtures.js';

async function check(yaml: string): Promise<Array<{ code: string; path: string; message: string }>> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-max-'));
  try {
    await writeFile(join(dir, 'slipway.yaml'), yaml);
    const { issues } = await checkConfig({ file: join(dir, 'slipway.yaml') });
    return issues.map((i) => ({ code: i.code, path: i.path, message: i.message }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const service = (extra: string): string => `version: 1\nservices:\n  web:\n    run: node app.js\n${extra}`;

test('a duration that a timer arms is refused past 2^31-1 ms (node would fire it after 1 ms), with its code and the maximum', async () => {
  for (const value of ['30d', '99999999999999d', '25d', '2147483648ms']) {
    const issues = await check(service(`    drain: ${value}\n`));
    assert.equal(issues.length, 1, `${value}: ${JSON.stringify(issues)}`);
    assert.equal(issues[0]?.code, 'SLW_CONFIG_BAD_DURATION');
    assert.match(issues[0]?.path ?? '', /drain/);
    assert.match(issues[0]?.message ?? '', /at most 24d/);
  }
  for (const field of ['    health:\n      interval: 99999d\n', '    health:\n      startTimeout: 40d\n', '    stopTimeout: 9999999d\n', '    keepWarm: 30d\n']) {
    const issues = await check(service(field));
    assert.equal(issues[0]?.code, 'SLW_CONFIG_BAD_DURATION', field);
    assert.match(issues[0]?.message ?? '', /longer than this field allows \(at most 24d\)/, field);
  }
  const proxy = await check(`version: 1\nproxy:\n  limits:\n    upstreamTimeout: 100d\nservices:\n  web:\n    run: node app.js\n`);
  assert.deepEqual(proxy.map((i) => i.code), ['SLW_CONFIG_BAD_DURATION']);
});

test('the largest durations still pass: 24d, 2147483647ms', async () => {
  assert.deepEqual(await check(service(`    drain: 24d\n    keepWarm: 2147483647ms\n`)), []);
  assert.ok(24 * 86_400_000 <= MAX_TIMER_MS);
});

test('sizes have a maximum: proxy.limits.body at most 64GB, headers at most 1MB', async () => {
  const issues = await check(`version: 1\nproxy:\n  limits:\n    body: 65GB\n    headers: 2MB\nservices:\n  web:\n    run: node app.js\n`);
  assert.deepEqual(issues.map((i) => i.code), ['SLW_CONFIG_BAD_SIZE', 'SLW_CONFIG_BAD_SIZE']);
  assert.match(issues[0]?.message ?? '', /at most 64GB/);
  assert.deepEqual(await check(`version: 1\nproxy:\n  limits:\n    body: 64GB\n    headers: 1MB\nservices:\n  web:\n    run: node app.js\n`), []);
});

test('the proxy refuses a table whose timers exceed 2^31-1 ms (defence behind the config check)', () => {
  const table = makeTable(1, { web: { targets: [], drainMs: 2 ** 31 } });
  assert.equal(RoutingTableSchema.safeParse(table).success, false);
  assert.equal(RoutingTableSchema.safeParse(makeTable(1, { web: { targets: [], drainMs: 2 ** 31 - 1 } })).success, true);
});

test('a rate-limit rate must be above 0 and at most 1000000/s: checked at load, not when the proxy refuses the table', async () => {
  const zones = (rate: string): string => `version: 1\nproxy:\n  rateLimits:\n    z: { rate: "${rate}" }\nservices:\n  web:\n    run: node app.js\n    routes: [{ host: a.test, rateLimit: z }]\n`;
  for (const rate of ['0/s', '0.0/min', '1000001/s', '99999999999999999999999/s', `${'9'.repeat(400)}/d`]) {
    const issues = await check(zones(rate));
    assert.deepEqual(issues.map((i) => i.code), ['SLW_CONFIG_BAD_RATE'], `${rate}: ${JSON.stringify(issues)}`);
    assert.match(issues[0]?.message ?? '', /above 0 and at most 1000000\/s/, rate);
  }
  for (const rate of ['1000000/s', '1/d', '0.5/s']) assert.deepEqual(await check(zones(rate)), [], rate);
});

test('a container memory size is bounded at load, either form: 4 MiB to 16 TiB (a string below 4 MiB or past 16 TiB used to pass)', async () => {
  const container = (memory: string): string => `version: 1\nservices:\n  web:\n    image: app:1\n    resources: { memory: ${memory} }\n`;
  for (const bad of ['1k', '"3m"', '9999999999999g', '16385g', '4194303', '17592186044417']) {
    const issues = await check(container(bad));
    assert.deepEqual(issues.map((i) => `${i.code} ${i.path}`), ['SLW_CONFIG_RESOURCES services.web.resources.memory'], bad);
    assert.match(issues[0]?.message ?? '', /from 4 MiB \("4m"\) to 16 TiB \("16384g"\)/, bad);
  }
  for (const good of ['4m', '16384g', '4194304', '17592186044416', '256m']) assert.deepEqual(await check(container(good)), [], good);
});
