/**
 * A Grafana dashboard (JSON model, schemaVersion 39) over the metrics slipway exports, with a
 * Prometheus data source variable and a service variable. `slipway export grafana-dashboard`.
 */
const DS = { type: 'prometheus', uid: '${datasource}' };
const SVC = 'service=~"$service"';

interface Panel {
  readonly title: string;
  readonly type: 'timeseries' | 'stat';
  readonly unit: string;
  readonly targets: readonly { readonly expr: string; readonly legend: string }[];
  readonly description?: string;
}

const PANELS: readonly Panel[] = [
  {
    title: 'Requests per second by release',
    type: 'timeseries',
    unit: 'reqps',
    targets: [{ expr: `sum by (service, release) (rate(slipway_http_requests_total{${SVC}}[$__rate_interval]))`, legend: '{{service}} {{release}}' }],
  },
  {
    title: 'Responses by status class',
    type: 'timeseries',
    unit: 'reqps',
    targets: [{ expr: `sum by (status_class) (rate(slipway_http_requests_total{${SVC}}[$__rate_interval]))`, legend: '{{status_class}}' }],
  },
  {
    title: '5xx ratio by release',
    type: 'timeseries',
    unit: 'percentunit',
    targets: [
      {
        expr:
          `sum by (service, release) (rate(slipway_http_requests_total{${SVC},status_class="5xx"}[$__rate_interval])) / ` +
          `sum by (service, release) (rate(slipway_http_requests_total{${SVC},status_class=~"[1-5]xx"}[$__rate_interval]))`,
        legend: '{{service}} {{release}}',
      },
    ],
  },
  {
    title: 'Latency p50 / p95 / p99',
    type: 'timeseries',
    unit: 's',
    targets: [0.5, 0.95, 0.99].map((q) => ({
      expr: `histogram_quantile(${q}, sum by (service, le) (rate(slipway_http_request_duration_seconds_bucket{${SVC}}[$__rate_interval])))`,
      legend: `{{service}} p${q * 100}`,
    })),
  },
  {
    title: 'Upstream connection errors and timeouts',
    type: 'timeseries',
    unit: 'reqps',
    targets: [
      { expr: `sum by (service, release) (rate(slipway_upstream_connection_errors_total{${SVC}}[$__rate_interval]))`, legend: '{{service}} {{release}} connection' },
      { expr: `sum by (service, release) (rate(slipway_upstream_timeouts_total{${SVC}}[$__rate_interval]))`, legend: '{{service}} {{release}} timeout' },
    ],
  },
  {
    title: 'Healthy / desired instances',
    type: 'timeseries',
    unit: 'short',
    targets: [
      { expr: `slipway_service_instances_healthy{${SVC}}`, legend: '{{service}} healthy' },
      { expr: `slipway_service_instances_desired{${SVC}}`, legend: '{{service}} desired' },
    ],
  },
  {
    title: 'Traffic weight by release',
    type: 'timeseries',
    unit: 'percentunit',
    targets: [{ expr: `slipway_release_traffic_weight{${SVC}}`, legend: '{{service}} {{release}}' }],
  },
  {
    title: 'Deployments by outcome',
    type: 'timeseries',
    unit: 'short',
    targets: [{ expr: `sum by (service, kind, outcome) (increase(slipway_deployments_total{${SVC}}[$__range]))`, legend: '{{service}} {{kind}} {{outcome}}' }],
    description: 'Finished deployments within the dashboard time range.',
  },
  {
    title: 'Deployment duration (mean)',
    type: 'timeseries',
    unit: 's',
    targets: [
      {
        expr:
          `sum by (service) (increase(slipway_deployment_duration_seconds_sum{${SVC}}[$__range])) / ` +
          `sum by (service) (increase(slipway_deployment_duration_seconds_count{${SVC}}[$__range]))`,
        legend: '{{service}}',
      },
    ],
  },
  {
    title: 'Rollbacks',
    type: 'timeseries',
    unit: 'short',
    targets: [{ expr: `sum by (service, trigger) (increase(slipway_rollbacks_total{${SVC}}[$__range]))`, legend: '{{service}} {{trigger}}' }],
  },
  {
    title: 'Restarts: instances and the proxy',
    type: 'timeseries',
    unit: 'short',
    description: 'Instances restarted by the supervisor (an exit, a long health failure) and proxies the daemon started again after one stopped answering.',
    targets: [
      { expr: `sum by (service) (increase(slipway_instance_restarts_total{${SVC}}[$__range]))`, legend: '{{service}} instances' },
      { expr: 'increase(slipway_proxy_restarts_total[$__range])', legend: 'proxy' },
    ],
  },
  {
    title: 'CPU by instance',
    type: 'timeseries',
    unit: 'short',
    description: 'CPU seconds per second (cores in use) of each instance, as its driver measures it.',
    targets: [{ expr: `rate(slipway_instance_cpu_seconds_total{${SVC}}[$__rate_interval])`, legend: '{{service}} {{release}} {{instance_id}}' }],
  },
  {
    title: 'Memory by instance',
    type: 'timeseries',
    unit: 'bytes',
    targets: [{ expr: `slipway_instance_memory_bytes{${SVC}}`, legend: '{{service}} {{release}} {{instance_id}}' }],
  },
  {
    title: 'Requests refused by the proxy',
    type: 'timeseries',
    unit: 'reqps',
    description: 'Refused before reaching an app, by status: 400 malformed, 401 basic auth, 405 TRACE, 408 slow head, 413/431 too large, 501 CONNECT, 503 auth checks saturated.',
    targets: [{ expr: 'sum by (status) (rate(slipway_proxy_requests_refused_total[$__rate_interval]))', legend: '{{status}}' }],
  },
  {
    title: 'Rate-limited requests (429) by zone',
    type: 'timeseries',
    unit: 'reqps',
    targets: [{ expr: 'sum by (zone) (rate(slipway_proxy_rate_limited_total[$__rate_interval]))', legend: '{{zone}}' }],
  },
  {
    title: 'Certificate time left',
    type: 'timeseries',
    unit: 's',
    description: 'Per route host with TLS on; renewal starts a third of the lifetime before the end, the certificate-expiring alert fires under 14 days.',
    targets: [{ expr: 'slipway_certificate_expiry_seconds - time()', legend: '{{host}}' }],
  },
  {
    title: 'Deploy in progress',
    type: 'stat',
    unit: 'short',
    targets: [{ expr: `slipway_deployment_in_progress{${SVC}}`, legend: '{{service}}' }],
  },
  {
    title: 'Proxy up / table version',
    type: 'stat',
    unit: 'short',
    targets: [
      { expr: 'slipway_proxy_up', legend: 'up' },
      { expr: 'slipway_proxy_table_version', legend: 'table version' },
    ],
  },
  {
    title: 'State directory free space',
    type: 'stat',
    unit: 'percentunit',
    targets: [{ expr: 'slipway_state_disk_free_bytes / slipway_state_disk_size_bytes', legend: 'free' }],
  },
  {
    title: 'Age of the newest verified backup',
    type: 'timeseries',
    unit: 's',
    description: 'Per source and target; the backup-stale alert fires past backups.maxAge (slipway_backup_overdue_seconds > 0).',
    targets: [{ expr: 'time() - slipway_backup_last_success_timestamp_seconds', legend: '{{source}} on {{target}}' }],
  },
  {
    title: 'Backup runs and drills',
    type: 'timeseries',
    unit: 'short',
    targets: [
      { expr: 'sum by (source, outcome) (increase(slipway_backup_runs_total[$__range]))', legend: 'backup {{source}} {{outcome}}' },
      { expr: 'slipway_backup_drill_ok', legend: 'last drill ok {{source}}' },
    ],
  },
  {
    title: 'Backup size',
    type: 'timeseries',
    unit: 'bytes',
    targets: [{ expr: 'slipway_backup_size_bytes', legend: '{{source}} on {{target}}' }],
  },
];

export function grafanaDashboard(): object {
  return {
    title: 'slipway',
    uid: 'slipway-overview',
    tags: ['slipway'],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus' },
        {
          name: 'service',
          label: 'Service',
          type: 'query',
          datasource: DS,
          query: { query: 'label_values(slipway_service_instances_desired, service)', refId: 'service' },
          definition: 'label_values(slipway_service_instances_desired, service)',
          includeAll: true,
          multi: true,
          allValue: '.*',
          refresh: 2,
        },
      ],
    },
    annotations: {
      list: [
        {
          name: 'Deployments',
          datasource: DS,
          enable: true,
          iconColor: 'blue',
          expr: `changes(slipway_deployments_total{${SVC}}[1m]) > 0`,
          titleFormat: '{{service}} {{kind}} {{outcome}}',
          step: '1m',
        },
      ],
    },
    panels: PANELS.map((p, i) => panel(p, i)),
  };
}

function panel(p: Panel, index: number): object {
  const width = 12;
  return {
    id: index + 1,
    title: p.title,
    type: p.type,
    datasource: DS,
    ...(p.description ? { description: p.description } : {}),
    gridPos: { h: 8, w: width, x: (index % 2) * width, y: Math.floor(index / 2) * 8 },
    fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
    options: {},
    targets: p.targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), datasource: DS, expr: t.expr, legendFormat: t.legend })),
  };
}
