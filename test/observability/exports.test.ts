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

const PROMQL_WORDS = new Set([
  'sum', 'by', 'rate', 'increase', 'histogram_quantile', 'and', 'or', 'unless', 'changes', 'label_values',
  'service', 'release', 'le', 'status_class', 'kind', 'outcome', 'trigger', 'inf',
]);

/** Metric names in a PromQL expression: identifiers outside label matchers, strings and ranges. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"[^"]*"/g, '""')
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
    ['SlipwayProxyDown', 'SlipwayInstanceDown', 'SlipwayServiceDown', 'SlipwayErrorRateHigh', 'SlipwayLatencyHigh', 'SlipwayDeployFailed', 'SlipwayRollbackHappened', 'SlipwayDiskNearlyFull'],
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
    alert_rule_test:
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
