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
  proxyRestarts: def('slipway_proxy_restarts_total', 'counter', [], 'Times the daemon found the proxy not answering and started a new one (since the daemon started); a handover by `slipway proxy restart` is not counted.'),
  journalWriteFailures: def('slipway_journal_write_failures_total', 'counter', [], 'Writes to the state journal (deployment states, the deploy lock) that failed since the daemon started, most often because the disk of the state directory is full; an outcome that could not be written is written once space is freed.'),
  accessLogDropped: def('slipway_proxy_access_log_dropped_total', 'counter', [], 'Access-log lines the proxy dropped since it started because writing failed (disk full) or the disk could not keep up; requests are served all the same.'),
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
  rateLimited: def('slipway_proxy_rate_limited_total', 'counter', ['zone'], 'Requests the proxy answered with 429 per rate-limit zone (proxy.rateLimits) since it started.'),
  rateLimitClients: def('slipway_proxy_rate_limit_clients', 'gauge', ['zone'], 'Client addresses the proxy holds a token bucket for, per rate-limit zone (bounded: least recently used dropped first).'),
  requestsRefused: def('slipway_proxy_requests_refused_total', 'counter', ['status'], 'Requests the proxy refused before relaying them, by status: 400 malformed (or a path that cannot be normalised), 401 basic auth, 405 TRACE, 408 slow head, 413 body too large, 431 head too large (or 2,000+ header fields), 501 CONNECT, 503 auth checks saturated.'),
  instancesHealthy: def('slipway_service_instances_healthy', 'gauge', ['service'], 'Instances in the proxy\'s rotation that pass their health checks (absent while the proxy is down).'),
  instancesDesired: def('slipway_service_instances_desired', 'gauge', ['service'], 'Instances the active release asks for.'),
  instanceRestarts: def('slipway_instance_restarts_total', 'counter', ['service'], 'Restarts of instances by the supervisor after an exit or a long health failure.'),
  instanceOutOfMemory: def('slipway_instance_oom_kills_total', 'counter', ['service'], 'Instances killed by their memory limit (resources.memory; the container engine reports the kernel\'s OOM kill), each then restarted by the supervisor.'),
  instanceCpu: def('slipway_instance_cpu_seconds_total', 'counter', ['service', 'release', 'instance_id'], 'CPU time (user + system) an instance has used since it started, as its driver measures it (the process driver: its process group).'),
  instanceMemory: def('slipway_instance_memory_bytes', 'gauge', ['service', 'release', 'instance_id'], 'Resident memory of an instance now, as its driver measures it (the process driver: the sum over its process group).'),
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
  alertNotificationRetries: def('slipway_alert_notification_retries_total', 'counter', ['notifier'], 'Delivery attempts that failed and were retried after a backoff, per notifier since the daemon started.'),
  alertNotifierFailures: def('slipway_alert_notifier_consecutive_failures', 'gauge', ['notifier'], 'Delivery attempts to the notifier that failed since the last one that went through (0 when healthy).'),
  certificateExpiry: def('slipway_certificate_expiry_seconds', 'gauge', ['host'], 'Unix time (seconds) at which the live certificate of a route host with TLS on expires (`- time()` gives what is left).'),
  certificateFailures: def('slipway_certificate_renewal_failures', 'gauge', ['host'], 'Failed attempts in a row to issue or renew the certificate of a route host with TLS on (0 after a success; the live certificate keeps serving meanwhile).'),
  backupLastSuccess: def('slipway_backup_last_success_timestamp_seconds', 'gauge', ['source', 'target'], 'Unix time (seconds) at which the newest verified backup of the source on the target was taken.'),
  backupSize: def('slipway_backup_size_bytes', 'gauge', ['source', 'target'], 'Stored size (compressed and encrypted) of the newest verified backup of the source on the target.'),
  backupDuration: def('slipway_backup_duration_seconds', 'gauge', ['source'], 'Time the newest verified backup of the source took to make (dump, compression, encryption, upload).'),
  backupRuns: def('slipway_backup_runs_total', 'counter', ['source', 'outcome'], 'Backup runs per source since the daemon started: "succeeded" (stored and verified on every target) or "failed".'),
  backupVerifyFailures: def('slipway_backup_verify_failures_total', 'counter', ['source', 'target'], 'Verifications that found a stored backup damaged or unreadable, since the daemon started.'),
  backupOverdue: def('slipway_backup_overdue_seconds', 'gauge', ['source'], 'How far the newest verified backup of the source is past backups.maxAge (negative while fresh; counted from the daemon start when there is none). Only for sources whose age is judged.'),
  backupDrillOk: def('slipway_backup_drill_ok', 'gauge', ['source'], '1 when the last drill of the source restored and checked its newest backup, 0 when it failed.'),
  backupDrills: def('slipway_backup_drills_total', 'counter', ['source', 'outcome'], 'Drills per source since the daemon started, by outcome ("passed", "failed").'),
} as const satisfies Record<string, MetricDef>;

export const METRIC_DEFS: readonly MetricDef[] = Object.values(METRICS);

/** Every series name a scrape can hold: histograms as their _bucket, _sum and _count series. */
export function exportedSeriesNames(): string[] {
  return METRIC_DEFS.flatMap((d) => (d.type === 'histogram' ? [`${d.name}_bucket`, `${d.name}_sum`, `${d.name}_count`] : [d.name]));
}
