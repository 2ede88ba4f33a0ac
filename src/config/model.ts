/**
 * The normalized, validated, frozen configuration every other subsystem reads.
 * Produced by the config loader from slipway.yaml (+ the chosen environment overlay);
 * durations are milliseconds, commands are argv arrays, paths are absolute.
 */
import type { AlertsSpec } from './alerts-model.js';
import type { BackupsSpec } from './backups-model.js';
import type { BasicAuthSpec, LimitsSpec, RateLimitSpec } from './proxy-policy-model.js';
import type { GeneratorSpec } from '../secrets/generate.js';
import type { ContainerIsolation, ContainerSource } from './container-model.js';

export interface Config {
  /** Absolute path of the config file. */
  readonly file: string;
  /** Directory of the config file; relative paths in it resolve from here. */
  readonly dir: string;
  /** The environment overlay chosen with --env, if any. */
  readonly env: string | undefined;
  readonly version: 1;
  /** The project on the host: `project:`, else the folder's name (src/config/project-name.ts). */
  readonly project: string;
  /** Whether the file (with its overlay) writes `proxy:`: host-wide settings a project without it takes from the host. */
  readonly proxyExplicit: boolean;
  readonly proxy: ProxySpec;
  /** The daemon's admin HTTP listener (metrics, health); undefined: off. */
  readonly admin?: AdminSpec | undefined;
  /** The daemon's web dashboard listener; undefined: off. */
  readonly dashboard?: DashboardSpec | undefined;
  /** Alert rules and notifiers; undefined: the daemon evaluates no alerts. */
  readonly alerts?: AlertsSpec | undefined;
  /** Backups, schedule and drill (src/backup/); undefined: none configured. */
  readonly backups?: BackupsSpec | undefined;
  /** Secrets the services may use (values live in the encrypted store, never here). */
  readonly secrets?: Readonly<Record<string, SecretDecl>> | undefined;
  /** ACME account for routes with tls: auto; undefined: none. */
  readonly acme?: AcmeSpec | undefined;
  /** In file order; dependsOn (later issues) gives the deploy order. */
  readonly services: Readonly<Record<string, ServiceSpec>>;
}

export interface ProxySpec {
  /** HTTP listen port. */
  readonly http: number;
  /** Listen address; default 0.0.0.0 (tests and the demo use 127.0.0.1). */
  readonly host: string;
  /** HTTPS listen port (default 443 when a route has TLS on); undefined: no HTTPS. */
  readonly https?: number | undefined;
  /** The proxy's access log (<stateDir>/proxy/access.log); the loader always sets it (default true); absent: on. */
  readonly accessLog?: boolean | undefined;
  /** CIDR blocks of proxies in front whose X-Forwarded-For is believed (the loader always sets these three; absent: none, defaults). */
  readonly trustedProxies?: readonly string[] | undefined;
  readonly limits?: LimitsSpec | undefined;
  /** Rate-limit zones by name. */
  readonly rateLimits?: Readonly<Record<string, RateLimitSpec>> | undefined;
}

/** Where a route's certificate comes from. */
export type RouteTls =
  | { readonly kind: 'off' }
  | { readonly kind: 'auto' }
  | { readonly kind: 'internal' }
  | { readonly kind: 'files'; readonly cert: string; readonly key: string };

/** How the CA validates control of a host: port 80 (HTTP-01), port 443 (TLS-ALPN-01), or either. */
export type AcmeChallenge = 'http-01' | 'tls-alpn-01' | 'dns-01' | 'auto';

/** A name server as host and port. */
export interface NameServerSpec {
  readonly host: string;
  readonly port: number;
}

/** DNS-01 provider of the ACME account; credentials stay secret references (markers) until an order reads them. */
export type Dns01Spec =
  | {
      readonly provider: 'rfc2136';
      readonly server: NameServerSpec;
      readonly zone: string | undefined;
      readonly key: { readonly name: string; readonly algorithm: string; readonly secret: string };
      readonly checkServers: readonly NameServerSpec[];
      readonly propagationTimeoutMs: number;
    }
  | {
      readonly provider: 'cloudflare';
      readonly apiToken: string;
      readonly zoneId: string | undefined;
      /** Empty: the zone's NS records. */
      readonly checkServers: readonly NameServerSpec[];
      readonly propagationTimeoutMs: number;
    };

export interface AcmeSpec {
  readonly email: string | undefined;
  /** Challenge type (default auto: HTTP-01 first, the other type after each failure). */
  readonly challenge?: AcmeChallenge | undefined;
  /** Directory URL (short names resolved). */
  readonly directory: string;
  /** Absolute path of extra roots (PEM) to trust the directory with. */
  readonly caBundle: string | undefined;
  /** DNS-01 provider; wildcard hosts need one. */
  readonly dns01?: Dns01Spec | undefined;
}

export interface AdminSpec {
  /** Where /metrics, /health/live and /health/ready are served; port 0 picks a free port. */
  readonly listen: { readonly host: string; readonly port: number };
  /** Client addresses (IP or CIDR) answered; undefined: everyone. */
  readonly allow?: readonly string[] | undefined;
}

export interface DashboardSpec {
  /** The dashboard's own HTTP listener; port 0 picks a free port. */
  readonly listen: { readonly host: string; readonly port: number };
}

export interface HealthSpec {
  /** HTTP path probed with GET; a 2xx/3xx answer within timeout is a success. */
  readonly path: string;
  /**
   * What the check is: http (GET path, the default), tcp (a connection to the instance's
   * address), command (exit 0 within timeout), process (running is healthy: a worker without a check).
   */
  readonly kind?: 'http' | 'tcp' | 'command' | 'process';
  /** The check command (kind command), run in the release with PORT and HOST set. */
  readonly command?: readonly string[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Consecutive successes that make an instance healthy. */
  readonly rise: number;
  /** Consecutive failures that make an instance unhealthy. */
  readonly fall: number;
  /** Deadline for a new instance to become healthy. */
  readonly startTimeoutMs: number;
  /**
   * A separate liveness check (health.liveness): an instance failing it `failures` times in a row
   * is restarted, while the check above (readiness) only gates traffic. Absent: the check above is
   * both, and an instance failing it for 30 s is restarted.
   */
  readonly liveness?: LivenessSpec;
}

export interface LivenessSpec {
  readonly kind: 'http' | 'tcp' | 'command';
  readonly path: string;
  readonly command?: readonly string[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly failures: number;
}

export interface RouteSpec {
  /** Exact host ("app.localhost") or wildcard ("*.example.com"); lower-case, no port. */
  readonly host: string;
  /** Path prefix, starting with "/"; longest prefix wins. */
  readonly path: string;
  /** Absent: off. */
  readonly tls?: RouteTls;
  /** 308 from http to https (default true when tls is on). */
  readonly redirectHttp?: boolean;
  /** Strict-Transport-Security max-age (s); undefined: no header. */
  readonly hstsMaxAge?: number | undefined;
  /** HSTS `includeSubDomains` / `preload` directives; undefined: not sent. */
  readonly hstsIncludeSubDomains?: boolean | undefined;
  readonly hstsPreload?: boolean | undefined;
  /** Rate-limit zone of the route (resolved: "general" when declared and the route names none); undefined: none. */
  readonly rateLimit?: string | undefined;
  readonly basicAuth?: BasicAuthSpec | undefined;
  /** Client addresses (IP or CIDR) let through; undefined: everyone. */
  readonly allow?: readonly string[] | undefined;
  /** Client addresses (IP or CIDR) refused; undefined: none. */
  readonly deny?: readonly string[] | undefined;
}

export interface ServiceSpec {
  readonly name: string;
  /** The release hook (argv): once per deploy, before the new instances start. Absent: none. */
  readonly release?: readonly string[];
  /** web (routed; the default), worker (no routes, not in the proxy's table) or accessory (one instance, stable port, restarted in place). */
  readonly kind?: 'web' | 'worker' | 'accessory';
  /** Output templates by name (${service:NAME.OUTPUT}); they may hold host, port and volume markers (src/config/service-refs.ts). Absent: none. */
  readonly outputs?: Readonly<Record<string, string>>;
  /** System user the instances run as; absent: the daemon's own. */
  readonly user?: string;
  /** How a worker's release replaces the old one (absent: overlap). */
  readonly replace?: 'overlap' | 'stop-first';
  /** Services deployed before this one (a DAG; the loader refuses unknown names and cycles). Absent: none. */
  readonly dependsOn?: readonly string[];
  /** Persistent directories by name, and where each appears in the release (a relative path inside it). Absent: none. */
  readonly volumes?: Readonly<Record<string, { readonly path: string }>>;
  /** Absolute directory the release snapshot is taken from. */
  readonly source: string;
  /** Build command (argv), run in the release's own directory; undefined for none. */
  readonly build: readonly string[] | undefined;
  /** Start command (argv); `sh -c` form only when the user wrote shell syntax. Empty: the image's CMD (container services). */
  readonly run: readonly string[];
  /** Image or Dockerfile: the service runs on the container driver. Absent: a process service. */
  readonly container?: ContainerSource | undefined;
  /** Limits and isolation of a container service (absent on a process service). */
  readonly isolation?: ContainerIsolation | undefined;
  readonly routes: readonly RouteSpec[];
  readonly health: HealthSpec;
  readonly instances: number;
  readonly drainMs: number;
  readonly keepWarmMs: number;
  /** Watch window after the switch, judged against the previous release. */
  readonly watchMs: number;
  /** Grace period between SIGTERM and SIGKILL when an instance stops. */
  readonly stopTimeoutMs: number;
  /**
   * Environment given to instances (PORT is added by slipway): envFile values, then `env`.
   * Secret references stay references (markers, src/secrets/reference.ts), resolved at start.
   */
  readonly env: Readonly<Record<string, string>>;
  /** Secrets mounted as files (NAME or NAME.part); their NAME_FILE markers are in env. */
  readonly secretFiles?: readonly string[] | undefined;
  /** Absolute path of the service's dotenv file, if any. */
  readonly envFile?: string | undefined;
  /** The default strategy of `slipway deploy` (`--strategy` overrides it). */
  readonly strategy: 'blue-green' | 'canary';
  /** Canary settings, used when the strategy is canary (defaults when not written). */
  readonly canary: CanarySpec;
  /**
   * Security headers added by the proxy (preset resolved: strict in production, relaxed elsewhere,
   * unless written). The loader always sets it; absent (a hand-built spec): none added.
   */
  readonly headers?: HeadersSpec | undefined;
  /** gzip/brotli for text responses the app did not compress (the loader's default: true; absent: off). */
  readonly compress?: boolean | undefined;
  /** The app's own Prometheus metrics at this path on its port; absent: the app exports none. */
  readonly metrics?: { readonly path: string } | undefined;
}

export interface HeadersSpec {
  readonly preset: 'strict' | 'relaxed' | 'off';
  /** Always set, replacing the app's value (lower-case names). */
  readonly set: Readonly<Record<string, string>>;
  /** Removed from the app's responses and not added by the preset. */
  readonly remove: readonly string[];
  /** Rules per path prefix, on top of `set`/`remove` (longest prefix wins); absent: none. */
  readonly paths?: Readonly<Record<string, PathHeaderRule>> | undefined;
}

export interface PathHeaderRule {
  readonly set: Readonly<Record<string, string>>;
  readonly remove: readonly string[];
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
  /** How the judge decides (absent in hand-built specs: the judge's defaults). */
  readonly judge?: CanaryJudgeSpec | undefined;
  /** The canary's latency does not count for this long after its first request. */
  readonly warmupMs?: number | undefined;
  /** A step that cannot reach its minRequests within its minHold: move on after minHold (health), or wait (hold). */
  readonly lowTraffic?: 'health' | 'hold' | undefined;
}

export interface CanaryJudgeSpec {
  /** False-rollback budget of the whole judge per deploy. */
  readonly alpha: number;
  /** The error-rate test (margin in absolute rate, 0.002 = 0.2 pp); absent: off. */
  readonly errors: { readonly margin: number } | undefined;
  /** The latency tests; absent: off. */
  readonly latency:
    | {
        readonly margin: { readonly relative: number; readonly ms: number };
        readonly quantiles: readonly ('p95' | 'p99')[];
        readonly loadRatio: number;
      }
    | undefined;
}

export interface SecretDecl {
  readonly name: string;
  /** Generated by slipway once when absent; undefined: set with `slipway secrets set`. */
  readonly generate: GeneratorSpec | undefined;
}
