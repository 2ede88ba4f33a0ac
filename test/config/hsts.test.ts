// Route `hsts` as an object: maxAge, includeSubDomains, preload. preload is refused at load
// (SLW_CONFIG_HSTS_PRELOAD) unless hstspreload.org's requirements hold: max-age of a year or
// more, includeSubDomains, and HTTPS with plain HTTP redirected to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig } from '../../src/config/load.js';
import { managedSetOf } from '../../src/certs/managed-set.js';
import { hstsValue } from '../../src/proxy/tls-traffic.js';

async function load(routes: string) {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-hsts-'));
  try {
    const file = join(dir, 'slipway.yaml');
    await writeFile(file, `version: 1\nservices:\n  web:\n    run: node server.js\n    routes:\n${routes}`);
    return await checkConfig({ file });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('hsts as an object: max-age, includeSubDomains and preload reach the route and the certificate set', async () => {
  const { config, issues } = await load(`      - { host: a.example.com, tls: internal, hsts: { maxAge: 730d, includeSubDomains: true, preload: true } }
      - { host: b.example.com, tls: internal, hsts: { maxAge: 1h, includeSubDomains: true } }
      - { host: c.example.com, tls: internal, hsts: {} }
      - { host: d.example.com, tls: internal, hsts: 2h }
`);
  assert.deepEqual(issues, []);
  const routes = config?.services['web']?.routes ?? [];
  assert.deepEqual(routes.map((r) => [r.hstsMaxAge, r.hstsIncludeSubDomains, r.hstsPreload]), [
    [730 * 86_400, true, true],
    [3600, true, undefined],
    [365 * 86_400, undefined, undefined],
    [7200, undefined, undefined],
  ]);
  assert.ok(config);
  const certs = managedSetOf(config).certs;
  assert.deepEqual(certs.map((c) => hstsValue(c)), [
    'max-age=63072000; includeSubDomains; preload',
    'max-age=3600; includeSubDomains',
    'max-age=31536000',
    'max-age=7200',
  ]);
});

test('preload is refused unless max-age ≥ 1 year, includeSubDomains and the HTTPS redirect all hold', async () => {
  const cases: Array<[string, RegExp]> = [
    ['{ host: a.example.com, tls: internal, hsts: { maxAge: 180d, includeSubDomains: true, preload: true } }', /maxAge 180d is under a year/],
    ['{ host: a.example.com, tls: internal, hsts: { maxAge: 365d, preload: true } }', /includeSubDomains is not true/],
    ['{ host: a.example.com, tls: internal, redirectHttp: false, hsts: { includeSubDomains: true, preload: true } }', /redirectHttp is false/],
    ['{ host: a.example.com, hsts: { includeSubDomains: true, preload: true } }', /the route has no TLS/],
  ];
  for (const [route, message] of cases) {
    const { config, issues } = await load(`      - ${route}\n`);
    assert.equal(config, undefined, route);
    assert.deepEqual(issues.map((i) => i.code), ['SLW_CONFIG_HSTS_PRELOAD'], route);
    assert.match(issues[0]?.message ?? '', message);
    assert.equal(issues[0]?.location?.line, 6, 'located in the file');
  }
  const ok = await load('      - { host: a.example.com, tls: internal, hsts: { maxAge: 365d, includeSubDomains: true, preload: true } }\n');
  assert.deepEqual(ok.issues, []);
});

test('a too-long max-age or a non-boolean directive is SLW_CONFIG_BAD_TLS', async () => {
  for (const hsts of ['{ maxAge: 800d }', '{ preload: yes-please }', '{ maxAge: soon }']) {
    const { issues } = await load(`      - { host: a.example.com, tls: internal, hsts: ${hsts} }\n`);
    assert.ok(issues.some((i) => i.code === 'SLW_CONFIG_BAD_TLS'), `${hsts}: ${JSON.stringify(issues.map((i) => i.code))}`);
  }
});
