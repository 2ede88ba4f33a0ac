import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig } from '../../src/config/load.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-bounded-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function check(yaml: string, extra: Record<string, string | Buffer> = {}): Promise<Array<{ code: string; message: string }>> {
  const sub = join(dir, String(++n));
  execFileSync('mkdir', ['-p', sub]);
  for (const [name, content] of Object.entries(extra)) await writeFile(join(sub, name), content);
  await writeFile(join(sub, 'slipway.yaml'), yaml);
  return checkFile(join(sub, 'slipway.yaml'), sub);
}

async function checkFile(file: string, _dir?: string): Promise<Array<{ code: string; message: string }>> {
  const started = Date.now();
  const { issues } = await checkConfig({ file });
  assert.ok(Date.now() - started < 5000, `check took ${Date.now() - started} ms`);
  return issues.map((i) => ({ code: i.code, message: i.message }));
}

const codes = (issues: Array<{ code: string }>): string[] => issues.map((i) => i.code);
const web = (extra = ''): string => `version: 1\nservices:\n  web:\n    run: node app.js\n${extra}`;

test('a config path that is a FIFO or a device is refused at once, never opened', async () => {
  const fifo = join(dir, 'fifo.yaml');
  execFileSync('mkfifo', [fifo]);
  assert.deepEqual(codes(await checkFile(fifo)), ['SLW_CONFIG_NOT_A_FILE']);
  assert.deepEqual(codes(await checkFile('/dev/zero')), ['SLW_CONFIG_NOT_A_FILE']);
  const issues = await checkFile(dir);
  assert.deepEqual(codes(issues), ['SLW_CONFIG_UNREADABLE'], 'a directory keeps its code');
  assert.match(issues[0]?.message ?? '', /a directory/);
});

test('an envFile that is a FIFO or /dev/zero is refused without hanging or reading', async () => {
  const fifo = join(dir, 'env.fifo');
  execFileSync('mkfifo', [fifo]);
  const before = process.memoryUsage().rss;
  assert.deepEqual(codes(await check(web(`    envFile: ${fifo}\n`))), ['SLW_CONFIG_NOT_A_FILE']);
  assert.deepEqual(codes(await check(web('    envFile: /dev/zero\n'))), ['SLW_CONFIG_NOT_A_FILE']);
  assert.ok(process.memoryUsage().rss - before < 200 * 1024 * 1024, 'no large read');
});

test('size caps: slipway.yaml and an envFile over 1 MiB are refused with their code', async () => {
  const big = `${web()}# ${'x'.repeat(1024 * 1024)}\n`;
  assert.deepEqual(codes(await check(big)), ['SLW_CONFIG_FILE_TOO_LARGE']);
  const env = `A=${'y'.repeat(1024 * 1024)}\n`;
  assert.deepEqual(codes(await check(web('    envFile: big.env\n'), { 'big.env': env })), ['SLW_CONFIG_FILE_TOO_LARGE']);
  assert.deepEqual(codes(await check(web('    envFile: ok.env\n'), { 'ok.env': 'A=1\n' })), []);
});

test('an alias inside its own anchor is refused with a code (was a stack overflow, SLW_INTERNAL)', async () => {
  for (const yaml of [
    'version: 1\nservices: &s { web: *s }\n',
    'version: 1\nservices:\n  web: &w\n    run: node app.js\n    env: { X: *w }\n',
    'version: 1\nx: &a [ [ *a ] ]\nservices: { web: { run: node app.js } }\n',
  ]) {
    const issues = await check(yaml);
    assert.deepEqual(codes(issues), ['SLW_CONFIG_RECURSIVE_ALIAS'], yaml);
  }
  // An alias that is not recursive still works.
  assert.deepEqual(codes(await check('version: 1\nx-base: &base { run: node app.js }\nservices:\n  web: *base\n')).filter((c) => c === 'SLW_CONFIG_RECURSIVE_ALIAS'), []);
});

test('__proto__, constructor and prototype are refused as names anywhere (services, environments, env, env files)', async () => {
  for (const yaml of [
    'version: 1\nservices:\n  __proto__:\n    run: node app.js\n',
    'version: 1\nservices:\n  constructor:\n    run: node app.js\n',
    `${web()}environments:\n  __proto__:\n    services: {}\n`,
    web('    env:\n      prototype: x\n'),
    web('    env:\n      __proto__: { polluted: true }\n'),
  ]) {
    const issues = await check(yaml);
    assert.ok(codes(issues).includes('SLW_CONFIG_RESERVED_KEY'), `${yaml}: ${JSON.stringify(issues)}`);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  }
  const env = await check(web('    envFile: p.env\n'), { 'p.env': '__proto__=1\nconstructor=2\n' });
  assert.deepEqual(codes(env), ['SLW_CONFIG_ENV_FILE_INVALID']);
  assert.match(env[0]?.message ?? '', /line 1 __proto__ is a reserved name; line 2 constructor is a reserved name/);
});

test('collections nested thousands deep, and aliases that multiply, are refused with a code and a plain reason', async () => {
  for (const nested of ['['.repeat(5000) + ']'.repeat(5000), '{a: '.repeat(5000) + '1' + '}'.repeat(5000)]) {
    const issues = await check(web(`    env:\n      A: ${nested}\n`));
    assert.deepEqual(codes(issues), ['SLW_CONFIG_YAML'], JSON.stringify(issues));
    assert.match(issues[0]?.message ?? '', /nested more than \d+ levels deep/);
  }
  const laughs = ['version: 1', 'x0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]'];
  for (let i = 1; i < 12; i++) laughs.push(`x${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
  const issues = await check(`${laughs.join('\n')}\nservices:\n  web:\n    run: node app.js\n`);
  assert.deepEqual(codes(issues), ['SLW_CONFIG_YAML'], JSON.stringify(issues));
  assert.match(issues[0]?.message ?? '', /alias/i);
});
