import type { RequestLimits } from '../proxy/admission/limit-defaults.js';

/** Request admission settings in the normalized config (sizes in bytes, durations in ms). */
export type LimitsSpec = RequestLimits;

/** A token bucket per client address: `perSecond` refill, `burst` size. */
export interface RateLimitSpec {
  readonly perSecond: number;
  readonly burst: number;
}

export interface BasicAuthSpec {
  readonly realm: string;
  /** User name → scrypt hash. */
  readonly users: Readonly<Record<string, string>>;
}
