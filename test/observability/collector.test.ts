// The scrape-time collector over a real state store (SQLite in a temp dir) and a proxy status:
// names, labels, units and values as Prometheus sees them, and promtool's lint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeploymentRecord, InstanceRecord, ReleaseRecord } from '../../src/engine/records.js';
import { emptyHistogram, observe } from '../../src/lib/latency-histogram.js';
import { collectMetrics } from '../../src/observability/collector.js';
import { METRICS } from '../../src/observability/metric-catalog.js';
import { FamilyBuilder, type MetricFamily } from '../../src/observability/metric-family.js';
import { renderExposition } from '../../src/observability/prom-adapter.js';
import type { ProxyStatus } from '../../src/proxy/protocol.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { promtool } from '../helpers/prometheus.js';

function release(id: string, instances: number): ReleaseRecord {
  return {
    id,
    service: 'web',
    seq: Number(id.slice(1)),
    createdAt: new Date().toISOString(),
    dir: `/tmp/${id}`,
    commit: undefined,
    dirty: false,
    configHash: 'x',
    status: 'ready',
    spec: {
      run: ['node', 'server.js'],
      env: {},
      instances,
      health: { path: '/health', intervalMs: 1000, timeoutMs: 1000, rise: 1, fall: 1, startTimeoutMs: 1000 },
      routes: [{ host: 'app.example.com', path: '/api' }],
      drainMs: 1000,
      keepWarmMs: 1000,
      watchMs: 1000,
      stopTimeoutMs: 1000,
    },
  };
}

function instance(id: string, releaseId: string, restarts: number): InstanceRecord {
  return { id, service: 'web', releaseId, port: 1, handle: undefined, state: 'healthy', restarts, lastExit: undefined, createdBy: undefined, updatedAt: '' };
}

function deployment(id: string, kind: DeploymentRecord['kind'], state: DeploymentRecord['state'], seconds: number): DeploymentRecord {
  const start = Date.parse('2025-01-01T00:00:00Z') + Number(id.slice(1)) * 3_600_000;
  return {
    id,
    service: 'web',
    kind,
    releaseId: undefined,
    fromRelease: undefined,
    priorPrevious: undefined,
    priorWarmUntil: undefined,
    state,
    startedAt: new Date(start).toISOString(),
    endedAt: state === 'building' ? undefined : new Date(start + seconds * 1000).toISOString(),
    reason: undefined,
    errorCode: undefined,
    report: null,
  };
}

function proxyStatus(): ProxyStatus {
  const latency = emptyHistogram();
  for (const ms of [0.5, 4, 4, 120, 45_000]) observe(latency, ms);
  return {
    pid: 1,
    startedAt: '2025-01-01T00:00:00.000Z',
    tableVersion: 7,
    httpPort: 8080,
    services: {
      web: {
        r2: { requests: 8, errors5xx: 1, connErrors: 2, timeouts: 1, latency, statusClasses: { '1xx': 0, '2xx': 3, '3xx': 1, '4xx': 0, '5xx': 2 } },
      },
    },
    targets: [
      { id: 'i1', service: 'web', release: 'r2', port: 1, inRotation: true, healthy: true, inflight: 0, websockets: 0, consecutiveFailures: 0 },
      { id: 'i2', service: 'web', release: 'r2', port: 2, inRotation: true, healthy: false, inflight: 0, websockets: 0, consecutiveFailures: 3 },
      { id: 'i0', service: 'web', release: 'r1', port: 3, inRotation: false, healthy: true, inflight: 0, websockets: 0, consecutiveFailures: 0 },
    ],
  };
}

/** name{labels} → value, for the samples of the families. */
function samples(families: readonly MetricFamily[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of families) {
    for (const s of f.samples) {
      const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`).join(',');
      out.set(`${f.def.name}${s.suffix ?? ''}{${labels}}`, s.value);
    }
  }
  return out;
}

async function withStore(fn: (store: SqliteStore) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-metrics-'));
  const store = new SqliteStore(join(dir, 'state.db'));
  try {
    await fn(store);
  } finally {
    store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function seed(store: SqliteStore, canary?: { release: string; weight: number }): void {
  store.transact({ kind: 'test' }, (tx) => {
    tx.putRelease(release('r1', 2));
    tx.putRelease(release('r2', 3));
    tx.putService({ name: 'web', activeRelease: 'r2', previousRelease: 'r1', warmUntil: undefined, ...(canary ? { canary } : {}) });
    tx.putInstance(instance('i0', 'r1', 1));
    tx.putInstance(instance('i1', 'r2', 2));
    tx.putDeployment(deployment('d1', 'deploy', 'succeeded', 12));
    tx.putDeployment(deployment('d2', 'deploy', 'reverted', 40));
    tx.putDeployment(deployment('d3', 'rollback', 'succeeded', 0.5));
    tx.putDeployment(deployment('d4', 'deploy', 'failed', 700));
  });
}

const disk = async () => ({ freeBytes: 5e9, sizeBytes: 2e10 });

test('metrics from the proxy status and the store, in base units, bounded labels', async () => {
  await withStore(async (store) => {
    seed(store);
    const families = await collectMetrics({ proxyStatus: async () => proxyStatus(), store, disk, version: '9.9.9' });
    const m = samples(families);
    const r2 = 'service="web",release="r2"';
    assert.equal(m.get('slipway_proxy_up{}'), 1);
    assert.equal(m.get('slipway_proxy_table_version{}'), 7);
    assert.equal(m.get('slipway_proxy_start_time_seconds{}'), 1735689600);
    assert.equal(m.get(`slipway_http_requests_total{${r2},status_class="2xx"}`), 3);
    assert.equal(m.get(`slipway_http_requests_total{${r2},status_class="5xx"}`), 2);
    assert.equal(m.get(`slipway_http_requests_total{${r2},status_class="none"}`), 2, '8 attempts, 6 answered');
    assert.equal(m.get(`slipway_upstream_connection_errors_total{${r2}}`), 2);
    assert.equal(m.get(`slipway_upstream_timeouts_total{${r2}}`), 1);
    // Latency: ms bounds become seconds; buckets cumulative; sum in seconds.
    assert.equal(m.get(`slipway_http_request_duration_seconds_bucket{${r2},le="0.001"}`), 1);
    assert.equal(m.get(`slipway_http_request_duration_seconds_bucket{${r2},le="0.005"}`), 3);
    assert.equal(m.get(`slipway_http_request_duration_seconds_bucket{${r2},le="0.15"}`), 4);
    assert.equal(m.get(`slipway_http_request_duration_seconds_bucket{${r2},le="30"}`), 4);
    assert.equal(m.get(`slipway_http_request_duration_seconds_bucket{${r2},le="+Inf"}`), 5);
    assert.equal(m.get(`slipway_http_request_duration_seconds_count{${r2}}`), 5);
    assert.ok(Math.abs((m.get(`slipway_http_request_duration_seconds_sum{${r2}}`) ?? 0) - 45.1285) < 1e-9);
    assert.equal(m.get('slipway_service_instances_healthy{service="web"}'), 1, 'in rotation and healthy only');
    assert.equal(m.get('slipway_service_instances_desired{service="web"}'), 3);
    assert.equal(m.get('slipway_instance_restarts_total{service="web"}'), 3);
    assert.equal(m.get('slipway_release_traffic_weight{service="web",release="r2"}'), 1);
    assert.equal(m.get('slipway_release_traffic_weight{service="web",release="r1"}'), 0, 'the warm release');
    assert.equal(m.get('slipway_route_info{service="web",host="app.example.com",path="/api"}'), 1);
    assert.equal(m.get('slipway_deployments_total{service="web",kind="deploy",outcome="succeeded"}'), 1);
    assert.equal(m.get('slipway_deployments_total{service="web",kind="deploy",outcome="reverted"}'), 1);
    assert.equal(m.get('slipway_deployments_total{service="web",kind="deploy",outcome="failed"}'), 1);
    assert.equal(m.get('slipway_deployments_total{service="web",kind="rollback",outcome="failed"}'), 0, 'zeros are exported');
    assert.equal(m.get('slipway_deployment_duration_seconds_bucket{service="web",kind="deploy",outcome="succeeded",le="10"}'), 0);
    assert.equal(m.get('slipway_deployment_duration_seconds_bucket{service="web",kind="deploy",outcome="succeeded",le="20"}'), 1);
    assert.equal(m.get('slipway_deployment_duration_seconds_bucket{service="web",kind="deploy",outcome="failed",le="1800"}'), 1);
    assert.equal(m.get('slipway_deployment_duration_seconds_sum{service="web",kind="deploy",outcome="reverted"}'), 40);
    assert.equal(m.get('slipway_deployment_duration_seconds_count{service="web",kind="rollback",outcome="succeeded"}'), 1);
    assert.equal(m.get('slipway_rollbacks_total{service="web",trigger="manual"}'), 1);
    assert.equal(m.get('slipway_rollbacks_total{service="web",trigger="automatic"}'), 1);
    assert.equal(m.get('slipway_deployment_in_progress{service="web"}'), 0);
    assert.equal(m.get('slipway_state_disk_free_bytes{}'), 5e9);
    assert.equal(m.get('slipway_build_info{version="9.9.9"}'), 1);
    // Bounded labels: only these names ever appear.
    const labelNames = new Set(families.flatMap((f) => f.samples.flatMap((s) => Object.keys(s.labels))));
    assert.deepEqual([...labelNames].sort(), ['host', 'kind', 'le', 'outcome', 'path', 'release', 'service', 'status_class', 'trigger', 'version']);

    const text = await renderExposition(families);
    const check = await promtool(['check', 'metrics'], text);
    assert.equal(check.code, 0, check.output);
    assert.equal(check.output.trim(), '');
  });
});

test('a deploy in progress, a canary split, and the proxy down', async () => {
  await withStore(async (store) => {
    seed(store, { release: 'r3', weight: 0.25 });
    store.transact({ kind: 'test' }, (tx) => tx.putDeployment(deployment('d5', 'deploy', 'building', 0)));
    const families = await collectMetrics({
      proxyStatus: async () => Promise.reject(new Error('ECONNREFUSED')),
      store,
      disk: async () => Promise.reject(new Error('gone')),
      version: '1',
    });
    const m = samples(families);
    assert.equal(m.get('slipway_proxy_up{}'), 0);
    assert.equal(m.get('slipway_deployment_in_progress{service="web"}'), 1);
    assert.equal(m.get('slipway_release_traffic_weight{service="web",release="r2"}'), 0.75);
    assert.equal(m.get('slipway_release_traffic_weight{service="web",release="r3"}'), 0.25);
    assert.equal(m.get('slipway_release_traffic_weight{service="web",release="r1"}'), 0);
    assert.equal([...m.keys()].filter((k) => k.startsWith('slipway_http_') || k.startsWith('slipway_service_instances_healthy')).length, 0, 'nothing invented while the proxy is down');
    assert.equal(m.get('slipway_state_disk_free_bytes{}'), undefined);
    const check = await promtool(['check', 'metrics'], await renderExposition(families));
    assert.equal(check.code, 0, check.output);
  });
});

test('an older proxy without status classes: requests under status_class="unknown"', async () => {
  await withStore(async (store) => {
    const status = proxyStatus();
    const { statusClasses: _dropped, ...old } = status.services['web']!['r2']!;
    status.services['web']!['r2'] = old;
    const m = samples(await collectMetrics({ proxyStatus: async () => status, store, disk, version: '1' }));
    assert.equal(m.get('slipway_http_requests_total{service="web",release="r2",status_class="unknown"}'), 8);
  });
});

test('a sample with labels other than its metric\'s is refused', () => {
  const out = new FamilyBuilder([METRICS.requests, METRICS.requestDuration]);
  assert.throws(() => out.add(METRICS.requests, { service: 'web', release: 'r1', path: '/x' }, 1), /takes labels/);
  assert.throws(() => out.add(METRICS.requests, { service: 'web' }, 1), /takes labels/);
  assert.throws(() => out.addHistogram(METRICS.requestDuration, { service: 'web', release: 'r1' }, [1, 2], 1), /bad histogram/);
  assert.throws(() => out.add(METRICS.proxyUp, {}, 1), /not in this builder/);
});
