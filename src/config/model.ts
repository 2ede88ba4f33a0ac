/**
 * The normalized, validated, frozen configuration every other subsystem reads.
 * Produced by the config loader from slipway.yaml (+ the chosen environment overlay);
 * durations are milliseconds, commands are argv arrays, paths are absolute.
 */
export interface Config {
  /** Absolute path of the config file. */
  readonly file: string;
  /** Directory of the config file; relative paths in it resolve from here. */
  readonly dir: string;
  /** The environment overlay chosen with --env, if any. */
  readonly env: string | undefined;
  readonly version: 1;
  readonly proxy: ProxySpec;
  /** The daemon's admin HTTP listener (metrics, health); undefined: off. */
  readonly admin?: AdminSpec | undefined;
  /** In file order; dependsOn (later issues) gives the deploy order. */
  readonly services: Readonly<Record<string, ServiceSpec>>;
}

export interface ProxySpec {
  /** HTTP listen port. */
  readonly http: number;
  /** Listen address; default 0.0.0.0 (tests and the demo use 127.0.0.1). */
  readonly host: string;
}

export interface AdminSpec {
  /** Where /metrics, /health/live and /health/ready are served; port 0 picks a free port. */
  readonly listen: { readonly host: string; readonly port: number };
}

export interface HealthSpec {
  /** HTTP path probed with GET; a 2xx/3xx answer within timeout is a success. */
  readonly path: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Consecutive successes that make an instance healthy. */
  readonly rise: number;
  /** Consecutive failures that make an instance unhealthy. */
  readonly fall: number;
  /** Deadline for a new instance to become healthy. */
  readonly startTimeoutMs: number;
}

export interface RouteSpec {
  /** Exact host ("app.localhost") or wildcard ("*.example.com"); lower-case, no port. */
  readonly host: string;
  /** Path prefix, starting with "/"; longest prefix wins. */
  readonly path: string;
}

export interface ServiceSpec {
  readonly name: string;
  /** Absolute directory the release snapshot is taken from. */
  readonly source: string;
  /** Build command (argv), run in the release's own directory; undefined for none. */
  readonly build: readonly string[] | undefined;
  /** Start command (argv); `sh -c` form only when the user wrote shell syntax. */
  readonly run: readonly string[];
  readonly routes: readonly RouteSpec[];
  readonly health: HealthSpec;
  readonly instances: number;
  readonly drainMs: number;
  readonly keepWarmMs: number;
  /** Watch window after the switch, judged against the previous release. */
  readonly watchMs: number;
  /** Grace period between SIGTERM and SIGKILL when an instance stops. */
  readonly stopTimeoutMs: number;
  /** Environment given to instances (PORT is added by slipway). */
  readonly env: Readonly<Record<string, string>>;
  /** The default strategy of `slipway deploy` (`--strategy` overrides it). */
  readonly strategy: 'blue-green' | 'canary';
  /** Canary settings, used when the strategy is canary (defaults when not written). */
  readonly canary: CanarySpec;
}

export interface CanarySpec {
  /** Weights of the canary steps, 0..1 exclusive, increasing. */
  readonly steps: readonly number[];
  /** Per step. */
  readonly minHoldMs: readonly number[];
  /** Per step: canary requests needed before the next step. */
  readonly minRequests: readonly number[];
  readonly maxHoldMs: number;
  readonly bakeMs: number;
  readonly sticky: { readonly kind: 'cookie' | 'header'; readonly name: string } | undefined;
}
