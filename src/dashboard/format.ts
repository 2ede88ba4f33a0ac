/** How the dashboard writes numbers and times (one place, so every page agrees). */
import type { ReleaseTraffic } from './traffic-history.js';

export function ago(iso: string | undefined, now: number): string {
  if (!iso) return '—';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(s)) return '—';
  if (s < 0) return `in ${span(-s)}`;
  return `${span(s)} ago`;
}

export function span(seconds: number): string {
  if (seconds < 90) return `${seconds}s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

export function bytes(n: number | undefined): string {
  if (n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 && u > 0 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** The last minute of a release's samples: requests per second, error %, p99 (ms). */
export function lastMinute(t: ReleaseTraffic | undefined, intervalMs: number): { rps: number; errorPct: number; p99: number | undefined } {
  const recent = (t?.points ?? []).slice(-Math.max(1, Math.round(60_000 / intervalMs)));
  const requests = recent.reduce((a, p) => a + p.requests, 0);
  const errors = recent.reduce((a, p) => a + p.errors, 0);
  const p99s = recent.flatMap((p) => (p.p99 === undefined ? [] : [p.p99]));
  return {
    rps: recent.length === 0 ? 0 : requests / ((recent.length * intervalMs) / 1000),
    errorPct: requests === 0 ? 0 : (100 * errors) / requests,
    p99: p99s.length === 0 ? undefined : Math.max(...p99s),
  };
}

export const fixed = (n: number, digits = 1): string => (Math.round(n * 10 ** digits) / 10 ** digits).toString();
