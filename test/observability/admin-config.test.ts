// The `admin:` config section: optional (off when absent), listen as host:port, overlays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig } from '../../src/config/load.js';
import { formatListenAddress, parseListenAddress } from '../../src/lib/listen-address.js';

test('parseListenAddress: IPv4, bracketed IPv6, localhost; nothing else', () => {
  assert.deepEqual(parseListenAddress('127.0.0.1:9180'), { host: '127.0.0.1', port: 9180 });
  assert.deepEqual(parseListenAddress('0.0.0.0:0'), { host: '0.0.0.0', port: 0 });
  assert.deepEqual(parseListenAddress('[::1]:9180'), { host: '::1', port: 9180 });
  assert.deepEqual(parseListenAddress('localhost:65535'), { host: 'localhost', port: 65535 });
  for (const bad of ['127.0.0.1', '9180', ':9180', '::1:9180', '[127.0.0.1]:1', 'example.com:80', '127.0.0.1:65536', '127.0.0.1:-1', 'http://127.0.0.1:1', '127.0.0.1:1 ', '[::1]']) {
    assert.equal(parseListenAddress(bad), undefined, bad);
  }
  assert.equal(formatListenAddress({ host: '::1', port: 1 }), '[::1]:1');
  assert.equal(formatListenAddress({ host: '127.0.0.1', port: 1 }), '127.0.0.1:1');
});

async function check(yaml: string, env?: string) {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-admincfg-'));
  try {
    const file = join(dir, 'slipway.yaml');
    await writeFile(file, `version: 1\n${yaml}services:\n  web:\n    run: node server.js\n`);
    return await checkConfig({ file, ...(env ? { env } : {}) });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('admin is off when absent, normalized when present, and overlays may change it', async () => {
  assert.equal((await check('')).config?.admin, undefined);
  assert.deepEqual((await check('admin:\n  listen: 127.0.0.1:9180\n')).config?.admin, { listen: { host: '127.0.0.1', port: 9180 } });
  const overlay = 'admin:\n  listen: 127.0.0.1:9180\nenvironments:\n  prod:\n    admin:\n      listen: "[::1]:9300"\n';
  assert.deepEqual((await check(overlay, 'prod')).config?.admin, { listen: { host: '::1', port: 9300 } });
  assert.deepEqual((await check(overlay)).config?.admin?.listen.port, 9180);
});

test('a bad listen value: SLW_CONFIG_BAD_LISTEN at the value, with a hint that fits', async () => {
  const cases: [string, RegExp][] = [
    ['9180', /127\.0\.0\.1:9180/],
    ['127.0.0.1', /add the port: 127\.0\.0\.1:9180/],
    ['"::1:9180"', /brackets/],
    ['http://127.0.0.1:9180', /without the scheme/],
    ['example.com:9180', /IP address/],
  ];
  for (const [value, hint] of cases) {
    const { issues } = await check(`admin:\n  listen: ${value}\n`);
    assert.equal(issues.length, 1, value);
    assert.equal(issues[0]?.code, 'SLW_CONFIG_BAD_LISTEN', value);
    assert.deepEqual([issues[0]?.location?.line, issues[0]?.location?.col], [3, 11], value);
    assert.match(issues[0]?.hint ?? '', hint, value);
  }
  const unknown = await check('admin:\n  listen: 127.0.0.1:1\n  token: x\n');
  assert.deepEqual(unknown.issues.map((i) => i.code), ['SLW_CONFIG_UNKNOWN_KEY']);
});
