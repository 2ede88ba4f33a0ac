import type { DeployReport } from '../api/schemas.js';
import type { ProxyStatus, ReleaseStats } from '../proxy/protocol.js';
import { quantile, subtract, type LatencyHistogram } from '../lib/latency-histogram.js';
import type { OutcomeCounts } from './judge.js';

export type Snapshot = ProxyStatus | undefined;

export function releaseStats(snapshot: Snapshot, service: string, release: string): ReleaseStats | undefined {
  return snapshot?.services[service]?.[release];
}

/** Counts of one release between two snapshots. */
export function delta(service: string, release: string, from: Snapshot, to: Snapshot): ReleaseStats | undefined {
  const b = releaseStats(to, service, release);
  if (!b) return undefined;
  const a = releaseStats(from, service, release);
  return {
    requests: b.requests - (a?.requests ?? 0),
    errors5xx: b.errors5xx - (a?.errors5xx ?? 0),
    connErrors: b.connErrors - (a?.connErrors ?? 0),
    timeouts: b.timeouts - (a?.timeouts ?? 0),
    latency: subtract(b.latency, a?.latency),
  };
}

export function outcomes(stats: ReleaseStats | undefined): OutcomeCounts {
  if (!stats) return { requests: 0, failures: 0 };
  return { requests: stats.requests, failures: stats.errors5xx + stats.connErrors + stats.timeouts };
}

function latencySummary(h: LatencyHistogram | undefined): DeployReport['latencyBefore'] {
  if (!h || h.count === 0) return undefined;
  return { p50: round(quantile(h, 0.5) ?? 0), p99: round(quantile(h, 0.99) ?? 0), requests: h.count };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** The deploy report: per-release counts over the whole deploy, latency before and after the switch. */
export function buildReport(o: {
  service: string;
  from: string | undefined;
  to: string | undefined;
  start: Snapshot;
  switched: Snapshot;
  end: Snapshot;
  steps: DeployReport['steps'];
}): DeployReport {
  const releases = [o.from, o.to].filter((r): r is string => r !== undefined);
  const unique = [...new Set(releases)];
  return {
    releases: unique.map((release) => {
      const d = delta(o.service, release, o.start, o.end);
      return {
        release,
        requests: d?.requests ?? 0,
        errors5xx: d?.errors5xx ?? 0,
        connErrors: d?.connErrors ?? 0,
        timeouts: d?.timeouts ?? 0,
      };
    }),
    latencyBefore: o.from ? latencySummary(delta(o.service, o.from, o.start, o.switched ?? o.end)?.latency) : undefined,
    latencyAfter: o.to && o.switched ? latencySummary(delta(o.service, o.to, o.switched, o.end)?.latency) : undefined,
    steps: o.steps,
  };
}
