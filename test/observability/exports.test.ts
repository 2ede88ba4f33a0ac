// Acceptance 5: `slipway export prometheus-rules` passes `promtool check rules` (and promtool's
// rule unit tests over synthetic series); the Grafana dashboard parses and references only
// metric names slipway exports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryArgv } from '../../src/lib/entry-points.js';
import { BUILTIN_ALERT_RULES } from '../../src/observability/alert-rules.js';
import { exportedSeriesNames } from '../../src/observability/metric-catalog.js';
import { promtool } from '../helpers/prometheus.js';

function slipway(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, entryArgv('cli', args), (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-export-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// Functions and keywords; 'service' is the label label_values() of the service variable reads.
const PROMQL_WORDS = new Set(['sum', 'rate', 'increase', 'histogram_quantile', 'and', 'or', 'unless', 'changes', 'label_values', 'inf', 'time', 'service']);

/** Metric names in a PromQL expression: identifiers outside label matchers, strings and ranges. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"[^"]*"/g, '""')
    // Label lists of aggregations and joins name labels, not series.
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\$\w+/g, '');
  return [...bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)].map((m) => m[0]).filter((w) => !PROMQL_WORDS.has(w.toLowerCase()));
}

test('the rule file passes promtool check rules; every rule has for, severity, summary and hint', async () => {
  const out = await slipway(['export', 'prometheus-rules']);
  assert.equal(out.code, 0, out.stderr);
  await inTempDir(async (dir) => {
    const file = join(dir, 'slipway.rules.yml');
    await writeFile(file, out.stdout);
    const check = await promtool(['check', 'rules', file]);
    assert.equal(check.code, 0, check.output);
    assert.match(check.output, new RegExp(`SUCCESS: ${BUILTIN_ALERT_RULES.length} rules found`));
  });
  const json = await slipway(['export', 'prometheus-rules', '--json']);
  const rules = JSON.parse(json.stdout).rules.groups[0].rules as { alert: string; expr: string; for: string; labels: Record<string, string>; annotations: Record<string, string> }[];
  assert.deepEqual(
    rules.map((r) => r.alert),
    ['SlipwayProxyDown', 'SlipwayProxyRestarted', 'SlipwayAccessLogDropping', 'SlipwayJournalWriteFailed', 'SlipwayInstanceDown', 'SlipwayServiceDown', 'SlipwayInstanceOutOfMemory', 'SlipwayErrorRateHigh', 'SlipwayLatencyHigh', 'SlipwayDeployFailed', 'SlipwayRollbackHappened', 'SlipwayDiskNearlyFull', 'SlipwayCertificateExpiring', 'SlipwayCertificateRenewalFailing', 'SlipwayBackupFailed', 'SlipwayBackupStale', 'SlipwayBackupDrillFailed'],
  );
  const exported = new Set(exportedSeriesNames());
  for (const r of rules) {
    assert.match(r.for, /^\d+[smh]$/, r.alert);
    assert.ok(['critical', 'warning', 'info'].includes(r.labels['severity'] ?? ''), r.alert);
    assert.ok(r.annotations['summary'] && r.annotations['hint'], r.alert);
    const names = metricNames(r.expr);
    assert.ok(names.length > 0, r.alert);
    assert.deepEqual(names.filter((n) => !exported.has(n)), [], `${r.alert} uses names slipway does not export`);
  }
});

test('the rules fire (and stay quiet) as meant over synthetic series: promtool test rules', async () => {
  const out = await slipway(['export', 'prometheus-rules']);
  await inTempDir(async (dir) => {
    await writeFile(join(dir, 'rules.yml'), out.stdout);
    const tests = `
rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - { series: 'slipway_service_instances_healthy{service="web"}', values: '2 1 1 1 1 1' }
      - { series: 'slipway_service_instances_desired{service="web"}', values: '2 2 2 2 2 2' }
      - { series: 'slipway_http_requests_total{service="web",release="r1",status_class="2xx"}', values: '0+90x20' }
      - { series: 'slipway_http_requests_total{service="web",release="r1",status_class="5xx"}', values: '0+10x20' }
      - { series: 'slipway_http_requests_total{service="api",release="r4",status_class="2xx"}', values: '0+99x20' }
      - { series: 'slipway_http_requests_total{service="api",release="r4",status_class="5xx"}', values: '0+1x20' }
      - { series: 'slipway_deployments_total{service="web",kind="deploy",outcome="failed"}', values: '0 0 1 1 1' }
      - { series: 'slipway_proxy_up', values: '1 1 1 1 1' }
      - { series: 'slipway_proxy_restarts_total', values: '0 0 1 1 1' }
      - { series: 'slipway_proxy_access_log_dropped_total', values: '0 0 40 40 40' }
      - { series: 'slipway_journal_write_failures_total', values: '0 0 3 3 3' }
    alert_rule_test:
      - eval_time: 1m
        alertname: SlipwayAccessLogDropping
        exp_alerts: []
      - eval_time: 3m
        alertname: SlipwayAccessLogDropping
        exp_alerts:
          - exp_labels: { severity: warning, slipway_rule: access-log-dropping }
            exp_annotations:
              summary: 'The proxy dropped access-log lines in the last 15 minutes (the requests were served)'
              hint: 'Writing the access log failed, most often because the disk of the state directory is full (\`df -h\` on it): free space; the proxy writes again as soon as it can.'
      - eval_time: 1m
        alertname: SlipwayJournalWriteFailed
        exp_alerts: []
      - eval_time: 3m
        alertname: SlipwayJournalWriteFailed
        exp_alerts:
          - exp_labels: { severity: critical, slipway_rule: journal-write-failed }
            exp_annotations:
              summary: 'Writes to the state journal failed in the last 15 minutes (deploys fail with SLW_DISK_FULL; traffic is served)'
              hint: 'The disk of the state directory is most likely full (\`df -h\` on it): free space. Deploys and rollbacks fail until then; an outcome that could not be written is written by the next deploy.'
      - eval_time: 1m
        alertname: SlipwayProxyRestarted
        exp_alerts: []
      - eval_time: 3m
        alertname: SlipwayProxyRestarted
        exp_alerts:
          - exp_labels: { severity: warning, slipway_rule: proxy-restarted }
            exp_annotations:
              summary: 'The slipway proxy died and the daemon started a new one in the last 15 minutes'
              hint: 'Requests were refused while no proxy listened; read <state-dir>/logs/proxy.log for why it exited (disk full, killed, a crash) and the daemon log for the restart.'
      - eval_time: 1m
        alertname: SlipwayInstanceDown
        exp_alerts: []
      - eval_time: 4m
        alertname: SlipwayInstanceDown
        exp_alerts:
          - exp_labels: { service: web, severity: warning, slipway_rule: instance-down }
            exp_annotations:
              summary: 'web: fewer healthy instances than the active release asks for'
              hint: 'Run \`slipway status\` and \`slipway logs web\`: the supervisor restarts instances that exit or stay unhealthy.'
      - eval_time: 15m
        alertname: SlipwayErrorRateHigh
        exp_alerts:
          - exp_labels: { service: web, severity: critical, slipway_rule: error-rate-high }
            exp_annotations:
              summary: 'web: 10% of responses are 5xx'
              hint: 'Compare releases on the dashboard; if the errors started with a deploy, \`slipway rollback web\`.'
      - eval_time: 3m
        alertname: SlipwayDeployFailed
        exp_alerts:
          - exp_labels: { service: web, severity: warning, slipway_rule: deploy-failed }
            exp_annotations:
              summary: 'web: a deploy failed or was reverted in the last 15 minutes'
              hint: 'Run \`slipway history web\`: the deployment says which step failed and why; traffic stayed on the previous release.'
      - eval_time: 4m
        alertname: SlipwayProxyDown
        exp_alerts: []
  - interval: 1m
    input_series:
      - { series: 'slipway_certificate_expiry_seconds{host="a.example.com"}', values: '864000x100' }
      - { series: 'slipway_certificate_expiry_seconds{host="b.example.com"}', values: '2592000x100' }
      - { series: 'slipway_certificate_renewal_failures{host="a.example.com"}', values: '0x9 3x90' }
      - { series: 'slipway_certificate_renewal_failures{host="b.example.com"}', values: '0x100' }
    alert_rule_test:
      - eval_time: 50m
        alertname: SlipwayCertificateExpiring
        exp_alerts: []
      - eval_time: 70m
        alertname: SlipwayCertificateExpiring
        exp_alerts:
          - exp_labels: { host: a.example.com, severity: warning, slipway_rule: certificate-expiring }
            exp_annotations:
              summary: 'The TLS certificate of a.example.com expires in 9d 22h 50m 0s (under 14 days)'
              hint: 'Run \`slipway certs list\`: a certificate from ACME or the internal CA is renewed a third of its lifetime before it ends, so look at its last error; a certificate from files must be replaced by you.'
      - eval_time: 60m
        alertname: SlipwayCertificateRenewalFailing
        exp_alerts: []
      - eval_time: 80m
        alertname: SlipwayCertificateRenewalFailing
        exp_alerts:
          - exp_labels: { host: a.example.com, severity: warning, slipway_rule: certificate-renewal-failing }
            exp_annotations:
              summary: 'a.example.com: obtaining or renewing the TLS certificate keeps failing (3 failed attempts in a row)'
              hint: 'Run \`slipway certs list\` for the last error (DNS, port 80 reachable from the CA, rate limits); the certificate already served keeps serving. \`slipway certs renew a.example.com\` tries again now.'
  - interval: 1m
    input_series:
      - { series: 'slipway_backup_runs_total{source="db",outcome="succeeded"}', values: '1 2 2 2 2' }
      - { series: 'slipway_backup_runs_total{source="db",outcome="failed"}', values: '0 0 1 1 1' }
      - { series: 'slipway_backup_verify_failures_total{source="files",target="offsite"}', values: '0 0 0 0 1' }
      - { series: 'slipway_backup_overdue_seconds{source="db"}', values: '-100 -40 20 80 140' }
      - { series: 'slipway_backup_overdue_seconds{source="files"}', values: '-9000x5' }
      - { series: 'slipway_backup_drill_ok{source="db"}', values: '1 1 0 0 1' }
    alert_rule_test:
      - eval_time: 1m
        alertname: SlipwayBackupFailed
        exp_alerts: []
      - eval_time: 3m
        alertname: SlipwayBackupFailed
        exp_alerts:
          - exp_labels: { source: db, severity: critical, slipway_rule: backup-failed }
            exp_annotations:
              summary: 'Backup of db: a backup failed, or a stored backup failed its verification, in the last 15 minutes'
              hint: 'Run \`slipway backup list\` and \`slipway backup verify\`: the error names the failing step (dump, upload, hash); a failed backup is never counted as good, so the previous good one is still the newest.'
      - eval_time: 4m
        alertname: SlipwayBackupFailed
        exp_alerts:
          - exp_labels: { source: db, severity: critical, slipway_rule: backup-failed }
            exp_annotations:
              summary: 'Backup of db: a backup failed, or a stored backup failed its verification, in the last 15 minutes'
              hint: 'Run \`slipway backup list\` and \`slipway backup verify\`: the error names the failing step (dump, upload, hash); a failed backup is never counted as good, so the previous good one is still the newest.'
          - exp_labels: { source: files, severity: critical, slipway_rule: backup-failed }
            exp_annotations:
              summary: 'Backup of files: a backup failed, or a stored backup failed its verification, in the last 15 minutes'
              hint: 'Run \`slipway backup list\` and \`slipway backup verify\`: the error names the failing step (dump, upload, hash); a failed backup is never counted as good, so the previous good one is still the newest.'
      - eval_time: 1m
        alertname: SlipwayBackupStale
        exp_alerts: []
      - eval_time: 3m
        alertname: SlipwayBackupStale
        exp_alerts:
          - exp_labels: { source: db, severity: critical, slipway_rule: backup-stale }
            exp_annotations:
              summary: 'Backup of db: the newest verified backup is 1m 20s past its maximum age'
              hint: 'Backups of this source are not being made or not verified: check that the daemon runs its schedule (\`slipway backup list\`, the daemon log) and run \`slipway backup run\` now.'
      - eval_time: 1m
        alertname: SlipwayBackupDrillFailed
        exp_alerts: []
      - eval_time: 2m
        alertname: SlipwayBackupDrillFailed
        exp_alerts:
          - exp_labels: { source: db, severity: critical, slipway_rule: drill-failed }
            exp_annotations:
              summary: 'Backup of db: the last restore drill failed'
              hint: 'Run \`slipway backup drill\` and read its detail: the newest backup could not be restored or did not pass the check, so it may not save you; fix it before you need it.'
      - eval_time: 4m
        alertname: SlipwayBackupDrillFailed
        exp_alerts: []
`;
    await writeFile(join(dir, 'tests.yml'), tests);
    const result = await promtool(['test', 'rules', join(dir, 'tests.yml')]);
    assert.equal(result.code, 0, result.output);
  });
});

test('the Grafana dashboard parses and names only exported metrics', async () => {
  const out = await slipway(['export', 'grafana-dashboard']);
  assert.equal(out.code, 0, out.stderr);
  const dashboard = JSON.parse(out.stdout) as {
    title: string;
    panels: { title: string; targets: { expr: string }[] }[];
    templating: { list: { definition?: string }[] };
    annotations: { list: { expr: string }[] };
  };
  assert.equal(dashboard.title, 'slipway');
  const exprs = [
    ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
    ...dashboard.annotations.list.map((a) => a.expr),
    ...dashboard.templating.list.flatMap((v) => (v.definition ? [v.definition] : [])),
  ];
  assert.ok(dashboard.panels.length >= 10 && exprs.length >= 15);
  const exported = new Set(exportedSeriesNames());
  const used = new Set<string>();
  for (const expr of exprs) {
    const names = metricNames(expr);
    assert.ok(names.length > 0, `no metric in ${expr}`);
    for (const n of names) used.add(n);
  }
  assert.deepEqual([...used].filter((n) => !exported.has(n)), [], 'names the dashboard uses but slipway does not export');
  for (const n of ['slipway_http_requests_total', 'slipway_http_request_duration_seconds_bucket', 'slipway_deployments_total', 'slipway_release_traffic_weight']) {
    assert.ok(used.has(n), `the dashboard shows ${n}`);
  }
  const json = JSON.parse((await slipway(['export', 'grafana-dashboard', '--json'])).stdout);
  assert.equal(json.ok, true);
  assert.deepEqual(json.dashboard, dashboard);
});

test('the name check catches a name slipway does not export', () => {
  assert.deepEqual(metricNames('sum by (service) (rate(slipway_http_requests_total{status_class="5xx"}[5m])) / http_requests_total'), [
    'slipway_http_requests_total',
    'http_requests_total',
  ]);
});
