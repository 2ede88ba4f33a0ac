/**
 * What alert rules compare against a threshold, computed from two collector snapshots (the
 * same families /metrics shows): counters as increases over the window (a counter that went
 * down restarted from 0), gauges from the newest snapshot. Nothing here reads the proxy or
 * the store itself.
 */
import { parseDuration } from '../../lib/duration.js';
import { METRICS } from '../metric-catalog.js';
import type { Labels, MetricDef, MetricFamily, Sample } from '../metric-family.js';

export const SIGNALS = [
  'error_rate',
  'latency_p99',
  'latency_p50',
  'request_rate',
  'healthy_instances',
  'missing_instances',
  'deploys_failed',
  'rollbacks',
  'disk_free_ratio',
  'proxy_up',
] as const;
export type Signal = (typeof SIGNALS)[number];

/** Signals that belong to slipway itself, not to a service (their alerts have service ""). */
export const GLOBAL_SIGNALS: ReadonlySet<Signal> = new Set(['disk_free_ratio', 'proxy_up']);

export interface Snapshot {
  readonly at: number;
  readonly families: readonly MetricFamily[];
}

/** A threshold in the signal's base unit: ratios (5% or 0.05), seconds (800ms or 0.8), counts. */
export function parseThreshold(signal: Signal, value: number | string): number | undefined {
  const ratio = signal === 'error_rate' || signal === 'disk_free_ratio';
  const seconds = signal === 'latency_p99' || signal === 'latency_p50';
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 && (!ratio || value <= 1) ? value : undefined;
  const text = value.trim();
  if (ratio && /^\d+(\.\d+)?%$/.test(text)) {
    const n = Number(text.slice(0, -1)) / 100;
    return n <= 1 ? n : undefined;
  }
  if (seconds) {
    const ms = parseDuration(text);
    return ms === undefined ? undefined : ms / 1000;
  }
  return undefined;
}

/** Values per service ("" for global signals); undefined where there is no data yet. */
export type SignalValues = ReadonlyMap<string, Readonly<Partial<Record<Signal, number>>>>;

/** Least answered requests per second for a rate to mean something (like the exported rule). */
const MIN_RPS = 0.1;

export function computeSignals(latest: Snapshot, base: Snapshot | undefined, since: (service: string) => Snapshot | undefined): SignalValues {
  const out = new Map<string, Partial<Record<Signal, number>>>();
  const global: Partial<Record<Signal, number>> = { proxy_up: gauge(latest, METRICS.proxyUp, {}) ?? 0 };
  const free = gauge(latest, METRICS.diskFree, {});
  const size = gauge(latest, METRICS.diskSize, {});
  if (free !== undefined && size) global.disk_free_ratio = free / size;
  out.set('', global);
  for (const service of servicesOf(latest)) {
    const values: Partial<Record<Signal, number>> = {};
    const desired = gauge(latest, METRICS.instancesDesired, { service });
    const healthy = gauge(latest, METRICS.instancesHealthy, { service });
    if (desired !== undefined && desired > 0 && healthy !== undefined) {
      values.healthy_instances = healthy;
      values.missing_instances = Math.max(0, desired - healthy);
    }
    if (base) {
      values.deploys_failed = increase(latest, base, METRICS.deployments, (l) => l['service'] === service && l['kind'] === 'deploy' && l['outcome'] !== 'succeeded');
      values.rollbacks = increase(latest, base, METRICS.rollbacks, (l) => l['service'] === service);
    }
    const from = since(service);
    if (from && latest.at > from.at) Object.assign(values, rates(latest, from, service));
    out.set(service, values);
  }
  return out;
}

function rates(latest: Snapshot, from: Snapshot, service: string): Partial<Record<Signal, number>> {
  const seconds = (latest.at - from.at) / 1000;
  const mine = (l: Labels) => l['service'] === service;
  const answered = increase(latest, from, METRICS.requests, (l) => mine(l) && /^[1-5]xx$/.test(l['status_class'] ?? ''));
  const errors = increase(latest, from, METRICS.requests, (l) => mine(l) && l['status_class'] === '5xx');
  const values: Partial<Record<Signal, number>> = { request_rate: answered / seconds };
  if (answered / seconds >= MIN_RPS) values.error_rate = errors / answered;
  const buckets = bucketIncreases(latest, from, service);
  const p99 = quantile(0.99, buckets);
  const p50 = quantile(0.5, buckets);
  if (p99 !== undefined) values.latency_p99 = p99;
  if (p50 !== undefined) values.latency_p50 = p50;
  return values;
}

function servicesOf(s: Snapshot): string[] {
  const names = new Set<string>();
  for (const f of s.families) for (const sample of f.samples) if (sample.labels['service']) names.add(sample.labels['service']);
  return [...names].sort();
}

function samplesOf(s: Snapshot, def: MetricDef): readonly Sample[] {
  return s.families.find((f) => f.def.name === def.name)?.samples ?? [];
}

function gauge(s: Snapshot, def: MetricDef, labels: Labels): number | undefined {
  const hit = samplesOf(s, def).find((x) => Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return hit?.value;
}

const keyOf = (sample: Sample): string => `${sample.suffix ?? ''}|${JSON.stringify(Object.entries(sample.labels).sort())}`;

/** Sum of per-series increases; a series that went down restarted from 0 (its new value counts). */
function increase(latest: Snapshot, base: Snapshot, def: MetricDef, match: (l: Labels) => boolean, suffix?: Sample['suffix']): number {
  const before = new Map(samplesOf(base, def).map((x) => [keyOf(x), x.value]));
  let total = 0;
  for (const x of samplesOf(latest, def)) {
    if (x.suffix !== suffix || !match(x.labels)) continue;
    const old = before.get(keyOf(x)) ?? 0;
    total += x.value >= old ? x.value - old : x.value;
  }
  return total;
}

/** Cumulative bucket increases by upper bound (seconds), +Inf last. */
function bucketIncreases(latest: Snapshot, from: Snapshot, service: string): [number, number][] {
  const bounds = [...(METRICS.requestDuration.buckets ?? []).map(String), '+Inf'];
  return bounds.map((le) => [
    le === '+Inf' ? Infinity : Number(le),
    increase(latest, from, METRICS.requestDuration, (l) => l['service'] === service && l['le'] === le, '_bucket'),
  ]);
}

/** histogram_quantile: linear interpolation inside the bucket that holds the rank. */
export function quantile(q: number, cumulative: readonly [number, number][]): number | undefined {
  const total = cumulative.at(-1)?.[1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [bound, count] of cumulative) {
    if (count >= rank) {
      if (bound === Infinity) return lowerBound;
      return lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / Math.max(1, count - lowerCount);
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}
