import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withoutHopByHop } from '../../src/proxy/hop-by-hop.js';
import { prefersJson } from '../../src/proxy/error-page.js';
import { HealthState } from '../../src/proxy/health-state.js';
import { requestIdFor } from '../../src/proxy/forward-headers.js';
import { checkVersion, parseTable } from '../../src/proxy/table-store.js';
import { SlipwayError } from '../../src/errors.js';
import { makeTable } from '../helpers/proxy-fixtures.js';

test('hop-by-hop: fixed list and the fields Connection names are removed', () => {
  const out = withoutHopByHop({
    connection: 'keep-alive, X-Secret',
    'x-secret': 's',
    'keep-alive': 'timeout=5',
    te: 'trailers',
    'transfer-encoding': 'chunked',
    upgrade: 'h2c',
    'proxy-connection': 'keep-alive',
    'proxy-authorization': 'Basic x',
    'x-kept': 'yes',
    'set-cookie': ['a=1', 'b=2'],
  });
  assert.deepEqual(out, { 'x-kept': 'yes', 'set-cookie': ['a=1', 'b=2'] });
});

test('Accept negotiation for error pages', () => {
  assert.equal(prefersJson(undefined), false);
  assert.equal(prefersJson('*/*'), false);
  assert.equal(prefersJson('application/json'), true);
  assert.equal(prefersJson('text/html,application/json;q=0.9'), false);
  assert.equal(prefersJson('text/html;q=0.5, application/json'), true);
  assert.equal(prefersJson('application/problem+json, */*;q=0.1'), true);
});

test('request id: sane incoming kept, anything else replaced', () => {
  assert.equal(requestIdFor('abc-123'), 'abc-123');
  assert.notEqual(requestIdFor('bad id with spaces'), 'bad id with spaces');
  assert.notEqual(requestIdFor('x'.repeat(200)), 'x'.repeat(200));
  assert.match(requestIdFor(undefined), /^[0-9a-f-]{36}$/);
});

test('health state: fall failures → unhealthy, rise successes → healthy', () => {
  const h = new HealthState({ rise: 2, fall: 3 });
  assert.equal(h.failure('e1'), undefined);
  assert.equal(h.failure('e2'), undefined);
  assert.equal(h.success(), undefined); // resets the failure streak
  assert.equal(h.failure('e3'), undefined);
  assert.equal(h.failure('e4'), undefined);
  assert.equal(h.failure('e5'), 'unhealthy');
  assert.equal(h.consecutiveFailures, 3);
  assert.equal(h.lastError, 'e5');
  assert.equal(h.success(), undefined);
  assert.equal(h.success(), 'healthy');
  assert.equal(h.verdict, 'healthy');
});

test('table validation: schema and cross-references, all issues at once', () => {
  const bad = makeTable(1, { web: { targets: [{ id: 'a', release: 'r', port: 1 }, { id: 'a', release: 'r', port: 2 }] } }, {
    routes: [{ host: '*', path: '/', service: 'nope' }],
  });
  assert.throws(
    () => parseTable(bad),
    (err: SlipwayError) => err.code === 'SLW_PROXY_BAD_TABLE' && (err.details?.['issues'] as unknown[]).length === 2,
  );
  assert.throws(() => parseTable({ version: -1 }), { code: 'SLW_PROXY_BAD_TABLE' });
});

test('version check: newer applies, same identical is a no-op, older or different-same refused', () => {
  const t1 = parseTable(makeTable(1, {}));
  const t2 = parseTable(makeTable(2, {}));
  assert.equal(checkVersion(undefined, t1), 'apply');
  assert.equal(checkVersion(t1, t2), 'apply');
  assert.equal(checkVersion(t2, parseTable(makeTable(2, {}))), 'unchanged');
  assert.throws(() => checkVersion(t2, t1), { code: 'SLW_PROXY_STALE_TABLE' });
  assert.throws(() => checkVersion(t2, parseTable(makeTable(2, {}, { port: 1234 }))), { code: 'SLW_PROXY_STALE_TABLE' });
});
