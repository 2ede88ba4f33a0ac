import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig, loadConfig } from '../../src/config/load.js';
import { SlipwayError } from '../../src/errors.js';

let dir: string;
let n = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-policy-config-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(text: string): Promise<string> {
  const path = join(dir, `slipway-${++n}.yaml`);
  await writeFile(path, text);
  return path;
}

const ENVS = `environments:
  production: {}
  staging: {}
`;

test('defaults: relaxed headers outside production, strict in production; compression and the access log on', async () => {
  const path = await file(`version: 1
services:
  web:
    run: node server.js
    routes: [{ host: app.example.com, tls: internal }]
${ENVS}`);
  const base = await loadConfig({ file: path });
  assert.deepEqual(base.services['web']?.headers, { preset: 'relaxed', set: {}, remove: [] });
  assert.equal(base.services['web']?.compress, true);
  assert.equal(base.proxy.accessLog, true);
  const staging = await loadConfig({ file: path, env: 'staging' });
  assert.equal(staging.services['web']?.headers?.preset, 'relaxed');
  assert.equal(staging.services['web']?.routes[0]?.hstsMaxAge, undefined, 'no HSTS under relaxed');
  const production = await loadConfig({ file: path, env: 'production' });
  assert.equal(production.services['web']?.headers?.preset, 'strict');
  assert.equal(production.services['web']?.routes[0]?.hstsMaxAge, 365 * 86_400, 'HSTS under strict');
});

test('written forms: a preset name, the mapping form, compress and accessLog off; overlays override', async () => {
  const path = await file(`version: 1
proxy: { accessLog: false }
services:
  web:
    run: node server.js
    headers: off
    compress: false
    routes: [{ host: app.example.com, tls: internal }]
  api:
    run: node api.js
    headers: { set: { x-frame-options: DENY, cache-control: no-store }, remove: [x-powered-by] }
    routes: [{ host: api.example.com, tls: internal, hsts: 1h }]
environments:
  production:
    services:
      web: { headers: strict }
  staging:
    services:
      api: { headers: { preset: strict } }
`);
  const base = await loadConfig({ file: path });
  assert.equal(base.proxy.accessLog, false);
  assert.deepEqual(base.services['web']?.headers, { preset: 'off', set: {}, remove: [] });
  assert.equal(base.services['web']?.compress, false);
  assert.deepEqual(base.services['api']?.headers, { preset: 'relaxed', set: { 'x-frame-options': 'DENY', 'cache-control': 'no-store' }, remove: ['x-powered-by'] });
  assert.equal(base.services['api']?.routes[0]?.hstsMaxAge, 3600, 'a route that writes hsts keeps it whatever the preset');
  const production = await loadConfig({ file: path, env: 'production' });
  assert.equal(production.services['web']?.headers?.preset, 'strict');
  assert.equal(production.services['web']?.routes[0]?.hstsMaxAge, 365 * 86_400);
  assert.equal(production.services['api']?.headers?.preset, 'strict', 'the mapping form without a preset takes the environment default');
  const staging = await loadConfig({ file: path, env: 'staging' });
  assert.deepEqual(staging.services['api']?.headers, { preset: 'strict', set: { 'x-frame-options': 'DENY', 'cache-control': 'no-store' }, remove: ['x-powered-by'] });
});

test('bad headers and compress values: each reported with its code and file:line:col, all at once', async () => {
  const path = await file(`version: 1
proxy: { accessLog: sometimes }
services:
  web:
    run: node server.js
    headers: strcit
    compress: gzip
  api:
    run: node api.js
    headers:
      preset: paranoid
      set:
        Strict-Transport-Security: max-age=1
        content-length: "5"
        x-ok: "fine"
      remove: [connection, "bad name"]
`);
  const { issues } = await checkConfig({ file: path });
  assert.deepEqual(
    issues.map((i) => `${i.code} ${i.path} ${i.location?.line}:${i.location?.col}`).sort(),
    [
      'SLW_CONFIG_BAD_COMPRESS services.web.compress 7:15',
      'SLW_CONFIG_BAD_HEADERS services.api.headers.preset 11:15',
      'SLW_CONFIG_BAD_HEADERS services.api.headers.remove[0] 16:16',
      'SLW_CONFIG_BAD_HEADERS services.api.headers.remove[1] 16:28',
      'SLW_CONFIG_BAD_HEADERS services.api.headers.set.Strict-Transport-Security 13:9',
      'SLW_CONFIG_BAD_HEADERS services.api.headers.set.content-length 14:9',
      'SLW_CONFIG_BAD_HEADERS services.web.headers 6:14',
      'SLW_CONFIG_INVALID_TYPE proxy.accessLog 2:21',
    ].sort(),
  );
  const byPath = new Map(issues.map((i) => [i.path, i]));
  assert.match(byPath.get('services.web.headers')?.hint ?? '', /did you mean strict\?/);
  assert.match(byPath.get('services.web.compress')?.hint ?? '', /compress: true/);
  assert.match(byPath.get('services.api.headers.set.Strict-Transport-Security')?.hint ?? '', /hsts/);
  assert.match(byPath.get('services.api.headers.remove[0]')?.hint ?? '', /proxy manages it/);
});

test('a header value on two lines is refused (no response splitting), and loadConfig throws SLW_CONFIG_INVALID', async () => {
  const path = await file(`version: 1
services:
  web:
    run: node server.js
    headers: { set: { x-note: "a\\r\\nset-cookie: admin=1" } }
`);
  const { issues } = await checkConfig({ file: path });
  assert.deepEqual(issues.map((i) => `${i.code} ${i.path}`), ['SLW_CONFIG_BAD_HEADERS services.web.headers.set.x-note']);
  assert.doesNotMatch(issues[0]?.message ?? '', /admin=1/, 'the value itself is not echoed');
  await assert.rejects(loadConfig({ file: path }), (err: unknown) => err instanceof SlipwayError && err.code === 'SLW_CONFIG_INVALID');
});

test('a bad headers value in an environment overlay is reported where it is written', async () => {
  const path = await file(`version: 1
services:
  web:
    run: node server.js
environments:
  production:
    services:
      web: { headers: lax }
`);
  for (const env of [undefined, 'production']) {
    const { issues } = await checkConfig({ file: path, ...(env ? { env } : {}) });
    assert.deepEqual(
      issues.map((i) => `${i.code} ${i.path} ${i.location?.line}:${i.location?.col}`),
      ['SLW_CONFIG_BAD_HEADERS environments.production.services.web.headers 8:23'],
      `checked with env ${env ?? '(none)'}`,
    );
  }
});
