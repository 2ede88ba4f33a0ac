/**
 * Every metric slipway exports: names per Prometheus conventions (`slipway_` prefix, base
 * units, `_total` counters). Labels are bounded: services, releases (retention keeps a few
 * per service), status classes, outcomes; never raw paths or client addresses.
 */
import { LATENCY_BOUNDS_MS } from '../lib/latency-histogram.js';
import type { MetricDef } from './metric-family.js';

const def = (name: string, type: MetricDef['type'], labels: readonly string[], help: string, buckets?: readonly number[]): MetricDef => ({
  name,
  type,
  help,
  labels,
  ...(buckets ? { buckets } : {}),
});

/** The proxy's latency buckets, in seconds. */
export const REQUEST_DURATION_BUCKETS_S: readonly number[] = LATENCY_BOUNDS_MS.map((ms) => ms / 1000);
/** Deploys include the build and the watch window: seconds to half an hour. */
export const DEPLOY_DURATION_BUCKETS_S: readonly number[] = [1, 2, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1800];

export const METRICS = {
  buildInfo: def('slipway_build_info', 'gauge', ['version'], 'Always 1; the slipway version of the daemon.'),
  proxyUp: def('slipway_proxy_up', 'gauge', [], '1 when the proxy answered on its control socket during this scrape, else 0.'),
  proxyStart: def('slipway_proxy_start_time_seconds', 'gauge', [], 'Start time of the proxy process (Unix seconds); its counters restart from 0 when it changes.'),
  tableVersion: def('slipway_proxy_table_version', 'gauge', [], 'Version of the routing table the proxy serves.'),
  requests: def(
    'slipway_http_requests_total',
    'counter',
    ['service', 'release', 'status_class'],
    'Upstream attempts through the proxy by the status class the client got (1xx..5xx; 502/504 made by the proxy included); "none" for an attempt that was retried or whose client left first. A retried request counts twice.',
  ),
  requestDuration: def(
    'slipway_http_request_duration_seconds',
    'histogram',
    ['service', 'release'],
    'Time from sending an attempt upstream to the end of the response, for attempts the app answered.',
    REQUEST_DURATION_BUCKETS_S,
  ),
  upstreamErrors: def('slipway_upstream_connection_errors_total', 'counter', ['service', 'release'], 'Upstream attempts that failed to connect, or whose connection was reset or closed before the response.'),
  upstreamTimeouts: def('slipway_upstream_timeouts_total', 'counter', ['service', 'release'], 'Upstream attempts that timed out (no response head, or a stalled body).'),
  instancesHealthy: def('slipway_service_instances_healthy', 'gauge', ['service'], 'Instances in the proxy\'s rotation that pass their health checks (absent while the proxy is down).'),
  instancesDesired: def('slipway_service_instances_desired', 'gauge', ['service'], 'Instances the active release asks for.'),
  instanceRestarts: def('slipway_instance_restarts_total', 'counter', ['service'], 'Restarts of instances by the supervisor after an exit or a long health failure.'),
  trafficWeight: def('slipway_release_traffic_weight', 'gauge', ['service', 'release'], 'Share of the service\'s traffic the release is meant to take: 1 for the active release, the canary split during a canary, 0 for the warm previous release.'),
  routeInfo: def('slipway_route_info', 'gauge', ['service', 'host', 'path'], 'Always 1: a configured route (host and path prefix) of the service\'s active release.'),
  deployments: def('slipway_deployments_total', 'counter', ['service', 'kind', 'outcome'], 'Finished deployments by kind (deploy, rollback) and outcome (succeeded, failed, reverted).'),
  deploymentDuration: def(
    'slipway_deployment_duration_seconds',
    'histogram',
    ['service', 'kind', 'outcome'],
    'Duration of finished deployments, from the lock to the outcome (build and watch window included).',
    DEPLOY_DURATION_BUCKETS_S,
  ),
  deploymentInProgress: def('slipway_deployment_in_progress', 'gauge', ['service'], '1 while a deployment of the service is under way.'),
  rollbacks: def('slipway_rollbacks_total', 'counter', ['service', 'trigger'], 'Traffic sent back to an earlier release: "manual" (slipway rollback) or "automatic" (a deploy reverted by its watch window or recovery).'),
  diskFree: def('slipway_state_disk_free_bytes', 'gauge', [], 'Free space (for unprivileged users) on the file system of the state directory.'),
  diskSize: def('slipway_state_disk_size_bytes', 'gauge', [], 'Size of the file system of the state directory.'),
  alertsFiring: def('slipway_alerts_firing', 'gauge', ['rule', 'service'], '1 for each alert the daemon\'s evaluator holds firing (service "slipway" for rules about slipway itself).'),
  alertNotifierUp: def('slipway_alert_notifier_up', 'gauge', ['notifier', 'type'], '0 when the notifier\'s last delivery failed after its retries, else 1.'),
  alertNotifications: def('slipway_alert_notifications_total', 'counter', ['notifier', 'outcome'], 'Notifications delivered ("sent") or given up after retries ("failed") per notifier since the daemon started.'),
  certificateExpiry: def('slipway_certificate_expiry_seconds', 'gauge', ['host'], 'Unix time (seconds) at which the live certificate of a route host with TLS on expires (`- time()` gives what is left).'),
} as const satisfies Record<string, MetricDef>;

export const METRIC_DEFS: readonly MetricDef[] = Object.values(METRICS);

/** Every series name a scrape can hold: histograms as their _bucket, _sum and _count series. */
export function exportedSeriesNames(): string[] {
  return METRIC_DEFS.flatMap((d) => (d.type === 'histogram' ? [`${d.name}_bucket`, `${d.name}_sum`, `${d.name}_count`] : [d.name]));
}
