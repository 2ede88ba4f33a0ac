/**
 * The daemon ⇄ proxy contract: the routing table the daemon pushes and the status the proxy
 * reports, validated by these schemas on both sides of the proxy's control socket.
 *
 * Control socket: HTTP/1.1 over the unix socket `<stateDir>/proxy/control.sock` (mode 0600):
 *   GET  /v1/status   → ProxyStatus
 *   GET  /v1/table    → RoutingTable (the committed one)
 *   PUT  /v1/table    → TableAck     (body: RoutingTable; one atomic swap; persisted first)
 *   POST /v1/shutdown → { ok: true } (graceful: stop accepting, finish in-flight, exit)
 * Errors come back as { error: SerializedError } with a 4xx/5xx status.
 */
import { z } from 'zod';

export const HealthCheckSchema = z.strictObject({
  path: z.string().startsWith('/'),
  intervalMs: z.number().int().positive(),
  timeoutMs: z.number().int().positive(),
  rise: z.number().int().positive(),
  fall: z.number().int().positive(),
});

export const TargetSchema = z.strictObject({
  /** Instance id. */
  id: z.string().min(1),
  release: z.string().min(1),
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(1).max(65535),
});

export const ServiceTableSchema = z.strictObject({
  health: HealthCheckSchema,
  /** How long in-flight requests and websockets on a target removed from rotation may go on. */
  drainMs: z.number().int().nonnegative(),
  /** Targets in rotation: traffic is balanced across the healthy ones. */
  targets: z.array(TargetSchema),
  /**
   * Canary split: the share of requests per release (summing to 1). Absent: one pool over all
   * targets. A release with no healthy target gives its share to the others.
   */
  weights: z.record(z.string(), z.number().min(0).max(1)).optional(),
  /** How a client keeps its release while weights change: a cookie set by the proxy, or a hash of a request header. */
  sticky: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('cookie'), name: z.string().regex(/^[A-Za-z0-9_-]+$/) }),
    z.strictObject({ kind: z.literal('header'), name: z.string().regex(/^[A-Za-z0-9-]+$/) }),
  ]).optional(),
});

export const RouteSchema = z.strictObject({
  /** Exact host or "*.suffix" wildcard, lower-case, no port. */
  host: z.string().min(1),
  /** Path prefix starting with "/"; longest prefix wins. */
  path: z.string().startsWith('/'),
  service: z.string().min(1),
});

/** One certificate the HTTPS listener serves, chosen by SNI among `hosts` (exact or "*.suffix"). */
export const TlsEntrySchema = z.strictObject({
  hosts: z.array(z.string().min(1)).min(1),
  /** PEM chain (leaf first) and PEM key; re-read when the table changes or either file changes. */
  certFile: z.string().min(1),
  keyFile: z.string().min(1),
  /** Plain-HTTP requests for these hosts get a 308 to https (ACME challenges excepted). */
  redirectHttp: z.boolean(),
  /** Strict-Transport-Security max-age in seconds on HTTPS responses; absent: no header. */
  hstsMaxAge: z.number().int().nonnegative().optional(),
});

export const RoutingTableSchema = z.strictObject({
  /** Monotonic; the proxy refuses a table older than the one it has. */
  version: z.number().int().nonnegative(),
  listen: z.strictObject({
    host: z.string().default('0.0.0.0'),
    http: z.number().int().min(0).max(65535),
    /** The HTTPS listener's port; absent: no HTTPS listener. */
    https: z.number().int().min(0).max(65535).optional(),
  }),
  routes: z.array(RouteSchema),
  services: z.record(z.string(), ServiceTableSchema),
  /** Certificates for the HTTPS listener (the first one also answers clients without SNI). */
  tls: z.array(TlsEntrySchema).optional(),
  /** ACME HTTP-01 answers: token → key authorization, served at /.well-known/acme-challenge/<token>. */
  challenges: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/), z.string()).optional(),
});

export const TableAckSchema = z.strictObject({
  version: z.number().int().nonnegative(),
  /** The port actually bound (useful when the table asked for port 0). */
  httpPort: z.number().int(),
  /** The HTTPS port actually bound, when the table asked for one. */
  httpsPort: z.number().int().optional(),
});

export const LatencyHistogramSchema = z.strictObject({
  counts: z.array(z.number().int().nonnegative()),
  sum: z.number().nonnegative(),
  count: z.number().int().nonnegative(),
});

export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];
const counter = z.number().int().nonnegative();
export const StatusClassCountsSchema = z.strictObject({ '1xx': counter, '2xx': counter, '3xx': counter, '4xx': counter, '5xx': counter });

/** Cumulative counters since the proxy started, per service and release, per upstream attempt. */
export const ReleaseStatsSchema = z.strictObject({
  requests: z.number().int().nonnegative(),
  /** Responses with status >= 500 from the app. Each attempt counts as at most one failure: see connErrors, timeouts. */
  errors5xx: z.number().int().nonnegative(),
  /** Upstream connection refused / reset / closed (the proxy's 502 for it is not also a 5xx). */
  connErrors: z.number().int().nonnegative(),
  timeouts: z.number().int().nonnegative(),
  latency: LatencyHistogramSchema,
  /**
   * Attempts by the status class of what the client got for them (the app's status, or the
   * proxy's 502/504 for a final failed attempt); a retried or abandoned attempt has none.
   * Optional: a proxy started by an older slipway does not report it.
   */
  statusClasses: StatusClassCountsSchema.optional(),
});

export const TargetStatusSchema = z.strictObject({
  id: z.string(),
  service: z.string(),
  release: z.string(),
  port: z.number().int(),
  /** In the committed table (false while draining after removal). */
  inRotation: z.boolean(),
  healthy: z.boolean(),
  inflight: z.number().int().nonnegative(),
  websockets: z.number().int().nonnegative(),
  consecutiveFailures: z.number().int().nonnegative(),
  lastError: z.string().optional(),
});

export const ProxyStatusSchema = z.strictObject({
  pid: z.number().int(),
  startedAt: z.string(),
  tableVersion: z.number().int().nonnegative(),
  /** 0 while not listening (no table yet, or the bind failed: see listenError). */
  httpPort: z.number().int(),
  /** The HTTPS port, when listening for HTTPS. */
  httpsPort: z.number().int().optional(),
  /** Set while the proxy cannot bind the table's listen address; it retries every second. */
  listenError: z.string().optional(),
  services: z.record(z.string(), z.record(z.string(), ReleaseStatsSchema)),
  targets: z.array(TargetStatusSchema),
});

export type HealthCheck = z.infer<typeof HealthCheckSchema>;
export type Target = z.infer<typeof TargetSchema>;
export type ServiceTable = z.infer<typeof ServiceTableSchema>;
export type Route = z.infer<typeof RouteSchema>;
export type TlsEntry = z.infer<typeof TlsEntrySchema>;
export type RoutingTable = z.infer<typeof RoutingTableSchema>;
export type RoutingTableInput = z.input<typeof RoutingTableSchema>;
export type TableAck = z.infer<typeof TableAckSchema>;
export type ReleaseStats = z.infer<typeof ReleaseStatsSchema>;
export type StatusClassCounts = z.infer<typeof StatusClassCountsSchema>;
export type TargetStatus = z.infer<typeof TargetStatusSchema>;
export type ProxyStatus = z.infer<typeof ProxyStatusSchema>;

/** Files of the proxy inside the state dir. */
export const PROXY_DIR = 'proxy';
export const PROXY_SOCKET = 'control.sock';
export const PROXY_TABLE_FILE = 'table.json';
export const PROXY_PID_FILE = 'proxy.pid';
