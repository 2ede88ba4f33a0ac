/**
 * What alert rules compare against a threshold, computed from two collector snapshots (the
 * same families /metrics shows): counters as increases over the window (a counter that went
 * down restarted from 0), gauges from the newest snapshot. Nothing here reads the proxy or
 * the store itself.
 */
import { parseDuration } from '../../lib/duration.js';
import { parseSize } from '../../lib/size.js';
import { METRICS } from '../metric-catalog.js';
import type { Labels, MetricDef, MetricFamily, Sample } from '../metric-family.js';

export const SIGNALS = [
  'error_rate',
  'latency_p99',
  'latency_p95',
  'latency_p50',
  'cpu_cores',
  'memory_bytes',
  'request_rate',
  'healthy_instances',
  'missing_instances',
  'out_of_memory_kills',
  'deploys_failed',
  'rollbacks',
  'disk_free_ratio',
  'proxy_up',
  'proxy_restarts',
  'access_log_dropped',
  'journal_write_failures',
  'certificate_expires_in',
  'certificate_renewal_failures',
  'backups_failed',
  'backup_overdue',
  'drill_failed',
] as const;
export type Signal = (typeof SIGNALS)[number];

/** Signals that belong to slipway itself, not to a service (their alerts have service ""). */
export const GLOBAL_SIGNALS: ReadonlySet<Signal> = new Set(['disk_free_ratio', 'proxy_up', 'proxy_restarts', 'access_log_dropped', 'journal_write_failures', 'certificate_expires_in', 'certificate_renewal_failures']);

export interface Snapshot {
  readonly at: number;
  readonly families: readonly MetricFamily[];
}

/** A threshold in the signal's base unit: ratios (5% or 0.05), seconds (800ms or 0.8), counts. */
export function parseThreshold(signal: Signal, value: number | string): number | undefined {
  const ratio = signal === 'error_rate' || signal === 'disk_free_ratio';
  const seconds = signal === 'latency_p99' || signal === 'latency_p95' || signal === 'latency_p50' || signal === 'certificate_expires_in' || signal === 'backup_overdue';
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 && (!ratio || value <= 1) ? value : undefined;
  const text = value.trim();
  if (signal === 'memory_bytes') return parseSize(text);
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
  const expiring = soonestExpiry(latest);
  if (expiring) global.certificate_expires_in = expiring.value;
  const failing = mostFailures(latest);
  if (failing) global.certificate_renewal_failures = failing.value;
  if (base) {
    global.proxy_restarts = increase(latest, base, METRICS.proxyRestarts, () => true);
    global.access_log_dropped = increase(latest, base, METRICS.accessLogDropped, () => true);
    global.journal_write_failures = increase(latest, base, METRICS.journalWriteFailures, () => true);
  }
  out.set('', global);
  for (const [key, values] of backupSignals(latest, base)) out.set(key, values);
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
      values.out_of_memory_kills = increase(latest, base, METRICS.instanceOutOfMemory, (l) => l['service'] === service);
    }
    const memory = samplesOf(latest, METRICS.instanceMemory).filter((x) => x.labels['service'] === service);
    // The instance nearest a limit is the one that matters: the largest, not the sum.
    if (memory.length > 0) values.memory_bytes = Math.max(...memory.map((x) => x.value));
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
  const p95 = quantile(0.95, buckets);
  const p50 = quantile(0.5, buckets);
  if (p99 !== undefined) values.latency_p99 = p99;
  if (p95 !== undefined) values.latency_p95 = p95;
  // CPU: seconds of CPU per second over the window, summed over the service's instances (cores in use).
  if (samplesOf(latest, METRICS.instanceCpu).some((x) => mine(x.labels))) values.cpu_cores = increase(latest, from, METRICS.instanceCpu, mine) / seconds;
  if (p50 !== undefined) values.latency_p50 = p50;
  return values;
}

/** The certificate that expires first: seconds left (negative once expired) and its host. */
function soonestExpiry(s: Snapshot): { value: number; host: string } | undefined {
  let best: { value: number; host: string } | undefined;
  for (const x of samplesOf(s, METRICS.certificateExpiry)) {
    const left = x.value - s.at / 1000;
    if (!best || left < best.value) best = { value: left, host: x.labels['host'] ?? '' };
  }
  return best;
}

/** The certificate with the most failed attempts in a row (0 when every one is fine). */
function mostFailures(s: Snapshot): { value: number; host: string } | undefined {
  let best: { value: number; host: string } | undefined;
  for (const x of samplesOf(s, METRICS.certificateFailures)) {
    if (!best || x.value > best.value) best = { value: x.value, host: x.labels['host'] ?? '' };
  }
  return best;
}

/**
 * Labels a global signal's value belongs to, for templates ({{ $labels.host }}): the host
 * whose certificate expires first, the host that fails most.
 */
export function signalLabels(latest: Snapshot): ReadonlyMap<Signal, Labels> {
  const out = new Map<Signal, Labels>();
  const expiring = soonestExpiry(latest);
  if (expiring) out.set('certificate_expires_in', { host: expiring.host });
  const failing = mostFailures(latest);
  if (failing && failing.value > 0) out.set('certificate_renewal_failures', { host: failing.host });
  return out;
}

/** Backup signals are per source, under the key "backup:<source>" (the alert's service). */
export const BACKUP_KEY_PREFIX = 'backup:';

function backupSignals(latest: Snapshot, base: Snapshot | undefined): Map<string, Partial<Record<Signal, number>>> {
  const out = new Map<string, Partial<Record<Signal, number>>>();
  const of = (source: string): Partial<Record<Signal, number>> => {
    let v = out.get(`${BACKUP_KEY_PREFIX}${source}`);
    if (!v) out.set(`${BACKUP_KEY_PREFIX}${source}`, (v = {}));
    return v;
  };
  const sources = new Set<string>();
  for (const def of [METRICS.backupRuns, METRICS.backupVerifyFailures, METRICS.backupOverdue, METRICS.backupDrillOk, METRICS.backupLastSuccess]) {
    for (const x of samplesOf(latest, def)) if (x.labels['source']) sources.add(x.labels['source']);
  }
  for (const source of sources) {
    const mine = (l: Labels): boolean => l['source'] === source;
    const overdue = gauge(latest, METRICS.backupOverdue, { source });
    if (overdue !== undefined) of(source).backup_overdue = overdue;
    const drillOk = gauge(latest, METRICS.backupDrillOk, { source });
    if (drillOk !== undefined) of(source).drill_failed = drillOk === 0 ? 1 : 0;
    // Counters start at the daemon's start: the first snapshot has no base, an increase needs one.
    if (base) {
      of(source).backups_failed =
        increase(latest, base, METRICS.backupRuns, (l) => mine(l) && l['outcome'] === 'failed') + increase(latest, base, METRICS.backupVerifyFailures, mine);
    }
  }
  return out;
}

function servicesOf(s: Snapshot): string[] {
  const names = new Set<string>();
  for (const f of s.families) for (const sample of f.samples) if (sample.labels['service']) names.add(sample.labels['service']);
  for (const name of names) if (name.startsWith(BACKUP_KEY_PREFIX)) names.delete(name); // slipway_alerts_firing of backup alerts
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
