/** Samples from the proxy's status: its counters per service and release, its targets. */
import type { ProxyStatus, ReleaseStats } from '../proxy/protocol.js';
import { STATUS_CLASSES } from '../proxy/status-classes.js';
import { METRICS } from './metric-catalog.js';
import type { FamilyBuilder } from './metric-family.js';

/** `status` is undefined when the proxy did not answer during this scrape. */
export function addProxySamples(out: FamilyBuilder, status: ProxyStatus | undefined): void {
  out.add(METRICS.proxyUp, {}, status ? 1 : 0);
  if (!status) return;
  out.add(METRICS.tableVersion, {}, status.tableVersion);
  if (status.accessLogDropped !== undefined) out.add(METRICS.accessLogDropped, {}, status.accessLogDropped);
  const started = Date.parse(status.startedAt);
  if (Number.isFinite(started)) out.add(METRICS.proxyStart, {}, started / 1000);
  for (const [service, releases] of Object.entries(status.services)) {
    for (const [release, stats] of Object.entries(releases)) addReleaseSamples(out, { service, release }, stats);
  }
  addAdmissionSamples(out, status);
}

/** Rate limiting and refusals; absent from the status of an older proxy. */
function addAdmissionSamples(out: FamilyBuilder, status: ProxyStatus): void {
  for (const [zone, stats] of Object.entries(status.rateLimits ?? {})) {
    out.add(METRICS.rateLimited, { zone }, stats.limited);
    out.add(METRICS.rateLimitClients, { zone }, stats.tracked);
  }
  for (const [code, count] of Object.entries(status.refused ?? {})) out.add(METRICS.requestsRefused, { status: code }, count);
}

function addReleaseSamples(out: FamilyBuilder, labels: { service: string; release: string }, stats: ReleaseStats): void {
  if (stats.statusClasses) {
    let answered = 0;
    for (const statusClass of STATUS_CLASSES) {
      const count = stats.statusClasses[statusClass];
      answered += count;
      out.add(METRICS.requests, { ...labels, status_class: statusClass }, count);
    }
    out.add(METRICS.requests, { ...labels, status_class: 'none' }, Math.max(0, stats.requests - answered));
  } else {
    // A proxy started by an older slipway counts no status classes.
    out.add(METRICS.requests, { ...labels, status_class: 'unknown' }, stats.requests);
  }
  out.addHistogram(METRICS.requestDuration, labels, stats.latency.counts, stats.latency.sum / 1000);
  out.add(METRICS.upstreamErrors, labels, stats.connErrors);
  out.add(METRICS.upstreamTimeouts, labels, stats.timeouts);
}

/** Healthy in-rotation targets per service; every service named in `services` gets a value. */
export function addHealthySamples(out: FamilyBuilder, status: ProxyStatus | undefined, services: readonly string[]): void {
  if (!status) return;
  const healthy = new Map<string, number>(services.map((s) => [s, 0]));
  for (const target of status.targets) {
    if (!healthy.has(target.service)) healthy.set(target.service, 0);
    if (target.inRotation && target.healthy) healthy.set(target.service, (healthy.get(target.service) ?? 0) + 1);
  }
  for (const [service, count] of healthy) out.add(METRICS.instancesHealthy, { service }, count);
}
