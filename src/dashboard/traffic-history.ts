/**
 * The proxy's request counters over the last hour, kept in the daemon for the dashboard's
 * sparklines (no Prometheus needed): every interval, the difference of each release's
 * cumulative counters since the sample before (a restarted proxy starts again from zero).
 */
import type { z } from 'zod';
import type { ReleaseTrafficSchema } from '../api/dashboard-schemas.js';
import { quantile, subtract, type LatencyHistogram } from '../lib/latency-histogram.js';
import type { ProxyStatus, ReleaseStats } from '../proxy/protocol.js';

export type ReleaseTraffic = z.infer<typeof ReleaseTrafficSchema>;
type Point = ReleaseTraffic['points'][number];

export const TRAFFIC_INTERVAL_MS = 5000;
const HOUR_MS = 3600_000;

interface Series {
  readonly project: string;
  readonly service: string;
  readonly release: string;
  last: { requests: number; errors: number; latency: LatencyHistogram };
  points: Point[];
}

const failuresOf = (s: ReleaseStats): number => s.errors5xx + s.connErrors + s.timeouts;

/** `project/service` as the proxy names a service of a project ('' for state of before projects). */
function splitName(qualified: string): { project: string; service: string } {
  const slash = qualified.indexOf('/');
  return slash < 0 ? { project: '', service: qualified } : { project: qualified.slice(0, slash), service: qualified.slice(slash + 1) };
}

export class TrafficHistory {
  readonly #series = new Map<string, Series>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Takes one sample of the proxy's status (undefined: the proxy did not answer, nothing is recorded). */
  record(status: ProxyStatus | undefined): void {
    if (!status) return;
    const now = this.#now();
    const at = new Date(now).toISOString();
    for (const [qualified, releases] of Object.entries(status.services)) {
      for (const [release, stats] of Object.entries(releases)) {
        const key = `${qualified}\u0000${release}`;
        const current = { requests: stats.requests, errors: failuresOf(stats), latency: stats.latency };
        const known = this.#series.get(key);
        if (!known) {
          // The first sample only sets the baseline: what came before is not of this hour.
          this.#series.set(key, { ...splitName(qualified), release, last: current, points: [] });
          continue;
        }
        const restarted = current.requests < known.last.requests;
        const latency = subtract(current.latency, restarted ? undefined : known.last.latency);
        const p99 = quantile(latency, 0.99);
        known.points.push({
          at,
          requests: current.requests - (restarted ? 0 : known.last.requests),
          errors: Math.max(0, current.errors - (restarted ? 0 : known.last.errors)),
          ...(p99 === undefined ? {} : { p99: Math.round(p99 * 10) / 10 }),
        });
        known.last = current;
      }
    }
    this.#forget(now - HOUR_MS);
  }

  /** The series of a project (and service), oldest point first. */
  releases(filter: { project?: string | undefined; service?: string | undefined } = {}): ReleaseTraffic[] {
    return [...this.#series.values()]
      .filter((s) => (filter.project === undefined || s.project === filter.project) && (filter.service === undefined || s.service === filter.service))
      .map((s) => ({ project: s.project, service: s.service, release: s.release, points: [...s.points] }));
  }

  #forget(before: number): void {
    const cutoff = new Date(before).toISOString();
    for (const [key, s] of this.#series) {
      s.points = s.points.filter((p) => p.at >= cutoff);
      if (s.points.length === 0 && s.last.requests === 0 && this.#series.size > 256) this.#series.delete(key);
    }
  }
}
