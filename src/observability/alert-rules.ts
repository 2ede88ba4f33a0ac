/**
 * The built-in alert rules that can be expressed over slipway's own metrics, in PromQL, as
 * `slipway export prometheus-rules` writes them for a Prometheus server of the user's.
 */
export type Severity = 'critical' | 'warning' | 'info';

export interface AlertRule {
  /** Built-in rule name (kebab-case), also the `slipway_rule` label. */
  readonly name: string;
  /** Prometheus alert name. */
  readonly alert: string;
  readonly expr: string;
  /** Prometheus duration the condition must hold before the alert fires. */
  readonly for: string;
  readonly severity: Severity;
  /** May use {{ $labels.service }} and {{ $value }}. */
  readonly summary: string;
  /** What to look at first. */
  readonly hint: string;
}

/** Requests that got an answer (status classes), per service, over 5 minutes. */
const answered = 'sum by (service) (rate(slipway_http_requests_total{status_class=~"[1-5]xx"}[5m]))';

export const BUILTIN_ALERT_RULES: readonly AlertRule[] = [
  {
    name: 'proxy-down',
    alert: 'SlipwayProxyDown',
    expr: 'slipway_proxy_up == 0',
    for: '1m',
    severity: 'critical',
    summary: 'The slipway proxy does not answer its control socket',
    hint: 'The daemon restarts the proxy by itself; read <state-dir>/logs/proxy.log and `slipway status`.',
  },
  {
    name: 'proxy-restarted',
    alert: 'SlipwayProxyRestarted',
    expr: 'increase(slipway_proxy_restarts_total[15m]) > 0',
    for: '0s',
    severity: 'warning',
    summary: 'The slipway proxy died and the daemon started a new one in the last 15 minutes',
    hint: 'Requests were refused while no proxy listened; read <state-dir>/logs/proxy.log for why it exited (disk full, killed, a crash) and the daemon log for the restart.',
  },
  {
    name: 'access-log-dropping',
    alert: 'SlipwayAccessLogDropping',
    expr: 'increase(slipway_proxy_access_log_dropped_total[15m]) > 0',
    for: '0s',
    severity: 'warning',
    summary: 'The proxy dropped access-log lines in the last 15 minutes (the requests were served)',
    hint: 'Writing the access log failed, most often because the disk of the state directory is full (`df -h` on it): free space; the proxy writes again as soon as it can.',
  },
  {
    name: 'journal-write-failed',
    alert: 'SlipwayJournalWriteFailed',
    expr: 'increase(slipway_journal_write_failures_total[15m]) > 0',
    for: '0s',
    severity: 'critical',
    summary: 'Writes to the state journal failed in the last 15 minutes (deploys fail with SLW_DISK_FULL; traffic is served)',
    hint: 'The disk of the state directory is most likely full (`df -h` on it): free space. Deploys and rollbacks fail until then; an outcome that could not be written is written by the next deploy.',
  },
  {
    name: 'instance-down',
    alert: 'SlipwayInstanceDown',
    expr: 'slipway_service_instances_healthy < slipway_service_instances_desired',
    for: '2m',
    severity: 'warning',
    summary: '{{ $labels.service }}: fewer healthy instances than the active release asks for',
    hint: 'Run `slipway status` and `slipway logs {{ $labels.service }}`: the supervisor restarts instances that exit or stay unhealthy.',
  },
  {
    name: 'service-down',
    alert: 'SlipwayServiceDown',
    expr: 'slipway_service_instances_healthy == 0 and slipway_service_instances_desired > 0',
    for: '1m',
    severity: 'critical',
    summary: '{{ $labels.service }}: no healthy instance, requests get 503',
    hint: 'Run `slipway logs {{ $labels.service }}`; `slipway rollback {{ $labels.service }}` goes back to the previous release.',
  },
  {
    name: 'instance-out-of-memory',
    alert: 'SlipwayInstanceOutOfMemory',
    expr: 'sum by (service) (increase(slipway_instance_oom_kills_total[15m])) > 0',
    for: '0s',
    severity: 'warning',
    summary: '{{ $labels.service }}: an instance was killed by its memory limit ({{ $value }} in the last 15 minutes) and restarted',
    hint: 'Run `slipway status` (the instance\'s last exit names the limit) and `slipway logs {{ $labels.service }}`; raise `resources.memory` in slipway.yaml or find what grows in the app.',
  },
  {
    name: 'error-rate-high',
    alert: 'SlipwayErrorRateHigh',
    expr:
      `sum by (service) (rate(slipway_http_requests_total{status_class="5xx"}[5m])) / ${answered} > 0.05` +
      ` and ${answered} > 0.1`,
    for: '5m',
    severity: 'critical',
    summary: '{{ $labels.service }}: {{ $value | humanizePercentage }} of responses are 5xx',
    hint: 'Compare releases on the dashboard; if the errors started with a deploy, `slipway rollback {{ $labels.service }}`.',
  },
  {
    name: 'latency-high',
    alert: 'SlipwayLatencyHigh',
    expr: 'histogram_quantile(0.99, sum by (service, le) (rate(slipway_http_request_duration_seconds_bucket[5m]))) > 1',
    for: '10m',
    severity: 'warning',
    summary: '{{ $labels.service }}: p99 latency is {{ $value | humanizeDuration }} (above 1s)',
    hint: 'Look for slow endpoints or a saturated database in the app; more instances help only if the app is CPU-bound.',
  },
  {
    name: 'deploy-failed',
    alert: 'SlipwayDeployFailed',
    expr: 'sum by (service) (increase(slipway_deployments_total{kind="deploy",outcome=~"failed|reverted"}[15m])) > 0',
    for: '0s',
    severity: 'warning',
    summary: '{{ $labels.service }}: a deploy failed or was reverted in the last 15 minutes',
    hint: 'Run `slipway history {{ $labels.service }}`: the deployment says which step failed and why; traffic stayed on the previous release.',
  },
  {
    name: 'rollback-happened',
    alert: 'SlipwayRollbackHappened',
    expr: 'sum by (service, trigger) (increase(slipway_rollbacks_total[15m])) > 0',
    for: '0s',
    severity: 'info',
    summary: '{{ $labels.service }}: traffic went back to an earlier release ({{ $labels.trigger }})',
    hint: 'Run `slipway history {{ $labels.service }}` to see which release is active and why the rollback happened.',
  },
  {
    name: 'disk-nearly-full',
    alert: 'SlipwayDiskNearlyFull',
    expr: 'slipway_state_disk_free_bytes / slipway_state_disk_size_bytes < 0.1',
    for: '10m',
    severity: 'warning',
    summary: 'Less than 10% free on the file system of the slipway state directory',
    hint: 'Free space (old logs, releases, backups); below 256 MiB /health/ready reports not ready and deploys cannot be journaled.',
  },
  {
    name: 'certificate-expiring',
    alert: 'SlipwayCertificateExpiring',
    expr: 'slipway_certificate_expiry_seconds - time() < 14 * 86400',
    for: '1h',
    severity: 'warning',
    summary: 'The TLS certificate of {{ $labels.host }} expires in {{ $value | humanizeDuration }} (under 14 days)',
    hint: 'Run `slipway certs list`: a certificate from ACME or the internal CA is renewed a third of its lifetime before it ends, so look at its last error; a certificate from files must be replaced by you.',
  },
  {
    name: 'certificate-renewal-failing',
    alert: 'SlipwayCertificateRenewalFailing',
    expr: 'slipway_certificate_renewal_failures > 0',
    for: '1h',
    severity: 'warning',
    summary: '{{ $labels.host }}: obtaining or renewing the TLS certificate keeps failing ({{ $value }} failed attempts in a row)',
    hint: 'Run `slipway certs list` for the last error (DNS, port 80 reachable from the CA, rate limits); the certificate already served keeps serving. `slipway certs renew {{ $labels.host }}` tries again now.',
  },
  {
    name: 'backup-failed',
    alert: 'SlipwayBackupFailed',
    expr: 'sum by (source) (increase(slipway_backup_runs_total{outcome="failed"}[15m]) or increase(slipway_backup_verify_failures_total[15m])) > 0',
    for: '0s',
    severity: 'critical',
    summary: 'Backup of {{ $labels.source }}: a backup failed, or a stored backup failed its verification, in the last 15 minutes',
    hint: 'Run `slipway backup list` and `slipway backup verify`: the error names the failing step (dump, upload, hash); a failed backup is never counted as good, so the previous good one is still the newest.',
  },
  {
    name: 'backup-stale',
    alert: 'SlipwayBackupStale',
    expr: 'slipway_backup_overdue_seconds > 0',
    for: '0s',
    severity: 'critical',
    summary: 'Backup of {{ $labels.source }}: the newest verified backup is {{ $value | humanizeDuration }} past its maximum age',
    hint: 'Backups of this source are not being made or not verified: check that the daemon runs its schedule (`slipway backup list`, the daemon log) and run `slipway backup run` now.',
  },
  {
    name: 'drill-failed',
    alert: 'SlipwayBackupDrillFailed',
    expr: 'slipway_backup_drill_ok == 0',
    for: '0s',
    severity: 'critical',
    summary: 'Backup of {{ $labels.source }}: the last restore drill failed',
    hint: 'Run `slipway backup drill` and read its detail: the newest backup could not be restored or did not pass the check, so it may not save you; fix it before you need it.',
  },
];

/** A Prometheus rule file (one group) with every built-in rule. */
export function prometheusRuleFile(rules: readonly AlertRule[] = BUILTIN_ALERT_RULES): object {
  return {
    groups: [
      {
        name: 'slipway',
        rules: rules.map((r) => ({
          alert: r.alert,
          expr: r.expr,
          for: r.for,
          labels: { severity: r.severity, slipway_rule: r.name },
          annotations: { summary: r.summary, hint: r.hint },
        })),
      },
    ],
  };
}
