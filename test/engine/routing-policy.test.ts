import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Config } from '../../src/config/model.js';
import { makeHarness } from '../helpers/engine-harness.js';

test("a release's headers and compress settings, and proxy.accessLog, reach the routing table", async () => {
  const h = await makeHarness();
  try {
    const base = h.config();
    const web = base.services['web'];
    assert.ok(web);
    const config: Config = {
      ...base,
      proxy: { ...base.proxy, accessLog: false },
      services: { web: { ...web, headers: { preset: 'strict', set: { 'x-team': 'ops' }, remove: [] }, compress: true } },
    };
    (h as { config: () => Config }).config = () => config;
    const { error } = await h.engine.deploy({ configFile: 'slipway.yaml' }, 'web', () => undefined);
    assert.equal(error, undefined);
    const table = h.plane.tables.at(-1);
    assert.deepEqual(table?.services['web']?.headers, { preset: 'strict', set: { 'x-team': 'ops' } });
    assert.equal(table?.services['web']?.compress, true);
    assert.equal(table?.accessLog, false);
    assert.deepEqual(h.store.release('web', 'r1')?.spec.headers, { preset: 'strict', set: { 'x-team': 'ops' }, remove: [] }, 'kept with the release, for rollback');
  } finally {
    await h.close();
  }
});
