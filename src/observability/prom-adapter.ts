/**
 * The prom-client adapter: the only file that imports prom-client.
 *
 * slipway's values are cumulative counts kept elsewhere (the proxy's counters, the deployment
 * records), read once per scrape. prom-client's Counter and Histogram keep their own state and
 * cannot be set to bucket counts observed elsewhere, so each scrape registers the families it
 * collected, as read-only metrics, in a fresh Registry, which writes the exposition format
 * (HELP/TYPE lines, label escaping). Nothing is kept between scrapes.
 */
import { Registry, validateMetricName, type Metric } from 'prom-client';
import type { MetricFamily } from './metric-family.js';

export const EXPOSITION_CONTENT_TYPE: string = Registry.PROMETHEUS_CONTENT_TYPE;

export function isValidMetricName(name: string): boolean {
  return validateMetricName(name);
}

/** The Prometheus text exposition (format 0.0.4) of these families, in order. */
export async function renderExposition(families: readonly MetricFamily[]): Promise<string> {
  const registry = new Registry();
  for (const family of families) {
    const { name, help, type } = family.def;
    if (!isValidMetricName(name)) throw new Error(`invalid metric name ${name}`);
    const values = family.samples.map((s) => ({
      labels: { ...s.labels },
      value: s.value,
      ...(s.suffix ? { metricName: `${name}${s.suffix}` } : {}),
    }));
    const metric = { name, help, type, aggregator: 'sum', get: async () => ({ name, help, type, aggregator: 'sum', values }) };
    registry.registerMetric(metric as unknown as Metric);
  }
  return registry.metrics();
}
