/**
 * The request limits' shape and defaults (sizes in bytes, durations in ms): one source for the
 * proxy and for slipway.yaml's `proxy.limits` defaults. Plain constants, so the config side may
 * import it without the proxy importing the config.
 */
export interface RequestLimits {
  readonly bodyBytes: number;
  readonly headerBytes: number;
  readonly headerTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly upstreamTimeoutMs: number;
  readonly maxConnections: number;
}

/** docs/design.md, "Request limits". */
export const DEFAULT_LIMITS: RequestLimits = {
  bodyBytes: 10 * 1024 ** 2,
  headerBytes: 32 * 1024,
  headerTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  upstreamTimeoutMs: 60_000,
  maxConnections: 10_000,
};
