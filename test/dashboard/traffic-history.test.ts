// The daemon's hour of traffic per release: differences of the proxy's cumulative counters per
// interval, a proxy restart (counters back to zero) taken as a new start, p99 of each interval,
// projects kept apart by the proxy's `project/service` names, samples older than an hour dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrafficHistory } from '../../src/dashboard/traffic-history.js';
import { emptyHistogram, observe } from '../../src/lib/latency-histogram.js';
import type { ProxyStatus, ReleaseStats } from '../../src/proxy/protocol.js';

function stats(requests: number, errors5xx: number, latencies: number[]): ReleaseStats {
  const latency = emptyHistogram();
  for (const ms of latencies) observe(latency, ms);
  return { requests, errors5xx, connErrors: 0, timeouts: 0, latency };
}

function status(services: ProxyStatus['services']): ProxyStatus {
  return { pid: 1, startedAt: '2026-12-07T08:00:00Z', tableVersion: 1, httpPort: 80, services, targets: [] };
}

test('intervals are counter differences; a restarted proxy starts again; projects stay apart; an hour is kept', () => {
  let now = Date.parse('2026-12-07T08:00:00Z');
  const h = new TrafficHistory(() => now);
  h.record(status({ 'shop/web': { r1: stats(100, 1, [5]) }, 'blog/web': { r1: stats(7, 0, []) } }));
  assert.deepEqual(h.releases({ project: 'shop' })[0]?.points, [], 'the first sample is the baseline');
  now += 5000;
  h.record(status({ 'shop/web': { r1: stats(150, 6, [5, ...Array(50).fill(40)]) }, 'blog/web': { r1: stats(9, 0, []) } }));
  const [shop] = h.releases({ project: 'shop', service: 'web' });
  assert.equal(shop?.points.length, 1);
  assert.equal(shop?.points[0]?.requests, 50);
  assert.equal(shop?.points[0]?.errors, 5);
  assert.ok((shop?.points[0]?.p99 ?? 0) > 30 && (shop?.points[0]?.p99 ?? 0) <= 50, `p99 of the interval: ${shop?.points[0]?.p99}`);
  assert.equal(h.releases({ project: 'blog' })[0]?.points[0]?.requests, 2);
  now += 5000;
  h.record(status({ 'shop/web': { r1: stats(20, 0, []) } }));
  assert.equal(h.releases({ project: 'shop' })[0]?.points.at(-1)?.requests, 20, 'after a proxy restart the new counts are the interval');
  h.record(undefined);
  assert.equal(h.releases({ project: 'shop' })[0]?.points.length, 2, 'no answer from the proxy: nothing recorded');
  now += 3601_000;
  h.record(status({ 'shop/web': { r1: stats(30, 0, []) } }));
  assert.equal(h.releases({ project: 'shop' })[0]?.points.length, 1, 'samples older than an hour are dropped');
});
