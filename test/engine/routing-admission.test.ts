import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Config } from '../../src/config/model.js';
import { RoutingTableSchema } from '../../src/proxy/protocol.js';
import { makeHarness } from '../helpers/engine-harness.js';

const HASH = 'scrypt$16384$8$1$c2FsdA$aGFzaA';
const LIMITS = { bodyBytes: 1024, headerBytes: 8192, headerTimeoutMs: 5000, idleTimeoutMs: 30_000, upstreamTimeoutMs: 20_000, maxConnections: 100 };

test('trusted proxies, limits, zones and route rateLimit/basicAuth/allow/deny reach the routing table; a changed limit is pushed', async () => {
  const h = await makeHarness();
  try {
    const base = h.config();
    const web = base.services['web'];
    assert.ok(web);
    let config: Config = {
      ...base,
      proxy: { ...base.proxy, trustedProxies: ['10.0.0.0/8'], limits: LIMITS, rateLimits: { api: { perSecond: 10, burst: 20 } } },
      services: {
        web: {
          ...web,
          routes: [
            { host: 'app.test', path: '/api', rateLimit: 'api' },
            { host: 'app.test', path: '/admin', basicAuth: { realm: 'web', users: { ops: HASH } } },
            { host: 'app.test', path: '/ops', allow: ['10.0.0.0/8'], deny: ['10.66.0.0/16'] },
            { host: 'app.test', path: '/' },
          ],
        },
      },
    };
    (h as { config: () => Config }).config = () => config;
    assert.equal((await h.engine.deploy({ configFile: 'slipway.yaml' }, 'web', () => undefined)).error, undefined);
    const table = h.plane.tables.at(-1);
    assert.ok(table);
    assert.ok(RoutingTableSchema.safeParse(table).success, 'the proxy accepts the table');
    assert.deepEqual(table.trustedProxies, ['10.0.0.0/8']);
    assert.deepEqual(table.limits, LIMITS);
    assert.deepEqual(table.rateLimits, { api: { perSecond: 10, burst: 20 } });
    assert.deepEqual(table.routes, [
      { host: 'app.test', path: '/api', service: 'web', rateLimit: 'api' },
      { host: 'app.test', path: '/admin', service: 'web', basicAuth: { realm: 'web', users: { ops: HASH } } },
      { host: 'app.test', path: '/ops', service: 'web', allow: ['10.0.0.0/8'], deny: ['10.66.0.0/16'] },
      { host: 'app.test', path: '/', service: 'web' },
    ]);

    config = { ...config, proxy: { ...config.proxy, limits: { ...LIMITS, bodyBytes: 2048 } } };
    assert.equal((await h.engine.deploy({ configFile: 'slipway.yaml' }, 'web', () => undefined)).error, undefined);
    assert.equal(h.plane.tables.at(-1)?.limits?.bodyBytes, 2048);
    const journal = JSON.stringify(h.store.journal({ limit: 100_000 }));
    assert.match(journal, /proxy\.listen/, 'the journal was read');
    assert.ok(!journal.includes(HASH), 'no password hash in the journal');
  } finally {
    await h.close();
  }
});
