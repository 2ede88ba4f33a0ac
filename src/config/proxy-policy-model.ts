/** Request admission settings in the normalized config (sizes in bytes, durations in ms). */
export interface LimitsSpec {
  readonly bodyBytes: number;
  readonly headerBytes: number;
  readonly headerTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly upstreamTimeoutMs: number;
  readonly maxConnections: number;
}

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
