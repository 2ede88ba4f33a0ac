import { emptyHistogram, observe } from '../lib/latency-histogram.js';
import type { ReleaseStats, StatusClass } from './protocol.js';
import type { UpstreamFailure } from './upstream-pool.js';

/** Cumulative per-service, per-release counters of upstream attempts since the proxy started. */
export class ProxyStats {
  readonly #services = new Map<string, Map<string, ReleaseStats>>();

  /** The live counters of one release (created on first use); callers keep the reference. */
  counters(service: string, release: string): ReleaseStats {
    let releases = this.#services.get(service);
    if (!releases) this.#services.set(service, (releases = new Map()));
    let stats = releases.get(release);
    if (!stats) {
      const statusClasses = { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
      stats = { requests: 0, errors5xx: 0, connErrors: 0, timeouts: 0, latency: emptyHistogram(), statusClasses };
      releases.set(release, stats);
    }
    return stats;
  }

  snapshot(): Record<string, Record<string, ReleaseStats>> {
    const out: Record<string, Record<string, ReleaseStats>> = {};
    for (const [service, releases] of this.#services) {
      const copy: Record<string, ReleaseStats> = {};
      for (const [release, s] of releases) {
        copy[release] = {
          ...s,
          latency: { ...s.latency, counts: [...s.latency.counts] },
          ...(s.statusClasses ? { statusClasses: { ...s.statusClasses } } : {}),
        };
      }
      out[service] = copy;
    }
    return out;
  }
}

/**
 * Records one upstream attempt. `status` is what the client got for it (the app's status, or
 * the proxy's 502/504 when the attempt was final); latency is observed for answered attempts.
 */
export function recordAttempt(
  stats: ReleaseStats,
  outcome: { status: number | undefined; failure: UpstreamFailure | undefined; ms: number },
): void {
  stats.requests++;
  // Each attempt is at most one failure: a 502/504 the proxy made for a failed connection
  // counts as that connection failure, not also as a 5xx (the canary judge relies on this).
  if (outcome.failure === 'connect' || outcome.failure === 'reset') stats.connErrors++;
  else if (outcome.failure === 'timeout') stats.timeouts++;
  else if (outcome.status !== undefined && outcome.status >= 500) stats.errors5xx++;
  if (outcome.failure === undefined) observe(stats.latency, outcome.ms);
  if (outcome.status !== undefined && stats.statusClasses) stats.statusClasses[statusClassOf(outcome.status)]++;
}

const CLASS_BY_HUNDREDS: readonly StatusClass[] = ['5xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

/** 1xx…5xx; anything outside 100..599 (never sent by node's http) counts as 5xx. */
export function statusClassOf(status: number): StatusClass {
  return CLASS_BY_HUNDREDS[Math.floor(status / 100)] ?? '5xx';
}
