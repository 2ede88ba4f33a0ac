import { emptyHistogram, observe } from '../lib/latency-histogram.js';
import type { ReleaseStats } from './protocol.js';
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
      stats = { requests: 0, errors5xx: 0, connErrors: 0, timeouts: 0, latency: emptyHistogram() };
      releases.set(release, stats);
    }
    return stats;
  }

  snapshot(): Record<string, Record<string, ReleaseStats>> {
    const out: Record<string, Record<string, ReleaseStats>> = {};
    for (const [service, releases] of this.#services) {
      const copy: Record<string, ReleaseStats> = {};
      for (const [release, s] of releases) {
        copy[release] = { ...s, latency: { ...s.latency, counts: [...s.latency.counts] } };
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
}
