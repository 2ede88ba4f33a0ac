// The apps' metrics endpoints as Prometheus http_sd target groups: two projects that both have
// a service named `api`; only services with `metrics:` are listed, only instances that take
// traffic (active release and canary; not warm, not stopped, not starting), each with its own
// project, service and release labels and the release's metrics path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InstanceRecord, ReleaseRecord, ReleaseSpec, ServiceRecord } from '../../src/engine/records.js';
import type { InstanceState } from '../../src/engine/instance-state.js';
import { appTargetGroups } from '../../src/observability/app-targets.js';
import type { MetricsStore } from '../../src/observability/store-metrics.js';

function release(service: string, id: string, metrics: string | undefined): ReleaseRecord {
  const spec = { run: ['app'], env: {}, instances: 1, routes: [], drainMs: 0, keepWarmMs: 0, watchMs: 0, stopTimeoutMs: 0, health: { path: '/', intervalMs: 1, timeoutMs: 1, rise: 1, fall: 1, startTimeoutMs: 1 }, ...(metrics ? { metrics: { path: metrics } } : {}) } satisfies ReleaseSpec;
  return { id, service, seq: Number(id.slice(1)), createdAt: '', dir: '', commit: undefined, dirty: false, configHash: '', spec, status: 'ready' };
}

function instance(id: string, service: string, releaseId: string, port: number, state: InstanceState, host = '127.0.0.1'): InstanceRecord {
  return { id, service, releaseId, port, state, restarts: 0, lastExit: undefined, createdBy: undefined, updatedAt: '', handle: { id, driver: 'process', address: { host, port }, ref: `pid ${port}`, data: {} } };
}

function store(services: ServiceRecord[], releases: ReleaseRecord[], instances: InstanceRecord[]): MetricsStore {
  return {
    services: () => services,
    release: (service, id) => releases.find((r) => r.service === service && r.id === id),
    instances: (filter) => instances.filter((i) => (!filter?.service || i.service === filter.service) && (!filter?.releaseId || i.releaseId === filter.releaseId)),
    deployments: () => [],
  };
}

const svc = (name: string, active: string | undefined, previous?: string, canary?: string): ServiceRecord => ({
  name,
  activeRelease: active,
  previousRelease: previous,
  warmUntil: undefined,
  ...(canary ? { canary: { release: canary, weight: 0.25 } } : {}),
});

test('instances taking traffic of services with metrics, in every project, labelled by project, service and release', () => {
  const shop = store(
    [svc('api', 'r2', 'r1', 'r3'), svc('web', 'r1')],
    [release('api', 'r1', '/metrics'), release('api', 'r2', '/metrics'), release('api', 'r3', '/internal/metrics'), release('web', 'r1', undefined)],
    [
      instance('i-old', 'api', 'r1', 4001, 'healthy'), // warm: left out
      instance('i-a', 'api', 'r2', 4002, 'healthy'),
      instance('i-b', 'api', 'r2', 4003, 'unhealthy'),
      instance('i-gone', 'api', 'r2', 4004, 'stopped'),
      instance('i-new', 'api', 'r3', 4005, 'healthy'),
      instance('i-boot', 'api', 'r3', 4006, 'starting'),
      instance('i-web', 'web', 'r1', 4007, 'healthy'), // no metrics: left out
    ],
  );
  const blog = store([svc('api', 'r1')], [release('api', 'r1', '/metrics')], [instance('j-a', 'api', 'r1', 5001, 'healthy', '::1')]);
  const groups = appTargetGroups([
    { project: 'shop', store: shop },
    { project: 'blog', store: blog },
  ]);
  assert.deepEqual(groups, [
    { targets: ['127.0.0.1:4002'], labels: { __metrics_path__: '/metrics', project: 'shop', service: 'api', release: 'r2', slipway_instance: 'i-a' } },
    { targets: ['127.0.0.1:4003'], labels: { __metrics_path__: '/metrics', project: 'shop', service: 'api', release: 'r2', slipway_instance: 'i-b' } },
    { targets: ['127.0.0.1:4005'], labels: { __metrics_path__: '/internal/metrics', project: 'shop', service: 'api', release: 'r3', slipway_instance: 'i-new' } },
    { targets: ['[::1]:5001'], labels: { __metrics_path__: '/metrics', project: 'blog', service: 'api', release: 'r1', slipway_instance: 'j-a' } },
  ]);
});

test('nothing deployed, or no service with metrics: an empty list (Prometheus reads it as no targets)', () => {
  assert.deepEqual(appTargetGroups([]), []);
  assert.deepEqual(appTargetGroups([{ project: 'shop', store: store([svc('web', undefined)], [], []) }]), []);
});
