/** When a certificate is renewed, and how failures back off. Pure functions of time. */

const MINUTE = 60_000;
export const BACKOFF_MIN_MS = MINUTE;
export const BACKOFF_MAX_MS = 6 * 60 * MINUTE;
/** How often the renewal loop looks, before jitter. */
export const CHECK_EVERY_MS = 10 * MINUTE;

/** The bounds of the failure backoff (1 minute to 6 hours; shorter in tests). */
export interface BackoffBounds {
  readonly minMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffBounds = { minMs: BACKOFF_MIN_MS, maxMs: BACKOFF_MAX_MS };

/** Renewal is due once a third of the lifetime is left. */
export function renewalAt(notBefore: Date, notAfter: Date): Date {
  const life = notAfter.getTime() - notBefore.getTime();
  return new Date(notAfter.getTime() - life / 3);
}

/**
 * The pause after the `failures`-th failure in a row: 1 min doubling to 6 h; a Retry-After
 * from the CA (rate limits) is honoured when it asks for longer.
 */
export function backoffMs(failures: number, retryAfterMs?: number, bounds: BackoffBounds = DEFAULT_BACKOFF): number {
  const exp = Math.min(bounds.maxMs, bounds.minMs * 2 ** Math.max(0, failures - 1));
  return Math.max(exp, retryAfterMs ?? 0);
}

/** The next check: every 10 minutes ± 10 % so that many daemons do not hit a CA together. */
export function nextCheckMs(random: () => number = Math.random, everyMs: number = CHECK_EVERY_MS): number {
  return Math.round(everyMs * (0.9 + 0.2 * random()));
}

/** A Retry-After header (seconds or an HTTP date) in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
