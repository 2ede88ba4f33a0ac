// `headers.paths` in slipway.yaml: rules per path prefix reach the service spec and, through a
// release, the proxy's table; a bad prefix or header name is SLW_CONFIG_BAD_HEADERS at its place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig } from '../../src/config/load.js';
import { RoutingTableSchema } from '../../src/proxy/protocol.js';
import { makeHarness } from '../helpers/engine-harness.js';
import type { Config } from '../../src/config/model.js';

async function load(headers: string) {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-header-paths-'));
  try {
    const file = join(dir, 'slipway.yaml');
    await writeFile(file, `version: 1\nservices:\n  web:\n    run: node server.js\n    routes: [{ host: app.example.com }]\n    headers:\n${headers}`);
    return await checkConfig({ file });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('headers.paths loads per prefix, beside the service-wide set and remove', async () => {
  const { config, issues } = await load(`      set: { x-team: web }
      paths:
        /assets/: { set: { cache-control: "public, max-age=31536000, immutable" } }
        /api: { set: { cache-control: no-store }, remove: [x-team] }
`);
  assert.deepEqual(issues, []);
  const headers = config?.services['web']?.headers;
  assert.deepEqual(headers?.set, { 'x-team': 'web' });
  assert.deepEqual(headers?.paths, {
    '/assets/': { set: { 'cache-control': 'public, max-age=31536000, immutable' }, remove: [] },
    '/api': { set: { 'cache-control': 'no-store' }, remove: ['x-team'] },
  });
});

test('a prefix without "/", a reserved header or HSTS in a path rule: SLW_CONFIG_BAD_HEADERS, located', async () => {
  for (const rule of ['        assets/: { set: { cache-control: no-store } }', '        /a: { set: { content-length: "1" } }', '        /a: { set: { strict-transport-security: max-age=1 } }']) {
    const { config, issues } = await load(`      paths:\n${rule}\n`);
    assert.equal(config, undefined, rule);
    assert.deepEqual(issues.map((i) => i.code), ['SLW_CONFIG_BAD_HEADERS'], rule);
    assert.equal(issues[0]?.location?.line, 8, rule);
  }
});

test('path rules travel with the release into the routing table', async () => {
  const h = await makeHarness();
  try {
    const base = h.config();
    const web = base.services['web'];
    assert.ok(web);
    const config: Config = {
      ...base,
      services: { web: { ...web, headers: { preset: 'relaxed', set: {}, remove: [], paths: { '/assets/': { set: { 'cache-control': 'immutable' }, remove: [] }, '/api': { set: {}, remove: ['x-team'] } } } } },
    };
    (h as { config: () => Config }).config = () => config;
    assert.equal((await h.engine.deploy({ configFile: 'slipway.yaml' }, 'web', () => undefined)).error, undefined);
    const table = h.plane.tables.at(-1);
    assert.ok(table && RoutingTableSchema.safeParse(table).success, 'the proxy accepts the table');
    assert.deepEqual(table.services['web']?.headers, { preset: 'relaxed', paths: { '/assets/': { set: { 'cache-control': 'immutable' } }, '/api': { remove: ['x-team'] } } });
  } finally {
    await h.close();
  }
});
