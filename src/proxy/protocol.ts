/**
 * The daemon ⇄ proxy contract: the routing table the daemon pushes and the status the proxy
 * reports, validated by these schemas on both sides of the proxy's control socket.
 *
 * Control socket: HTTP/1.1 over the unix socket `<stateDir>/proxy/control.sock` (mode 0600):
 *   GET  /v1/status   → ProxyStatus
 *   GET  /v1/table    → RoutingTable (the committed one)
 *   PUT  /v1/table    → TableAck     (body: RoutingTable; one atomic swap; persisted first)
 *   POST /v1/shutdown → { ok: true } (graceful: stop accepting, finish in-flight, exit)
 *   POST /v1/handoff  → HandoffResult (proxy restart: a new proxy process takes the listening
 *                       sockets, the pid file and this socket; this one drains and exits)
 * Errors come back as { error: SerializedError } with a 4xx/5xx status.
 *
 * The proxy itself never loads this module's values (zod): it checks a table with its JSON Schema,
 * src/proxy/protocol-contract.ts, generated from these schemas by `npm run api:contract`.
 */
import { z } from 'zod';

/** Node fires a timer set past 2^31−1 ms after 1 ms: every duration the proxy arms stays below. */
const timerMs = () => z.number().int().max(2 ** 31 - 1);

export const HealthCheckSchema = z.strictObject({
  path: z.string().startsWith('/'),
  intervalMs: timerMs().positive(),
  timeoutMs: timerMs().positive(),
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

/** A lower-case HTTP field name (RFC 9110 token). */
const headerName = z.string().regex(/^[a-z0-9!#$%&'*+.^_`|~-]+$/);
/** A field value without control characters (no CR/LF: no response splitting). */
const headerValue = z.string().regex(/^[\t\x20-\x7e\x80-\xff]*$/);

export const HeaderPolicySchema = z.strictObject({
  /** Preset headers, added when the app did not set them. */
  preset: z.enum(['strict', 'relaxed', 'off']),
  /** Always set, replacing the app's value. */
  set: z.record(headerName, headerValue).optional(),
  /** Removed from the app's response, and not added by the preset. */
  remove: z.array(headerName).optional(),
  /**
   * Rules per path prefix (normalised path, segment boundary as for routes; longest prefix
   * wins): their `set` and `remove` apply on top of the service's. Absent: none.
   */
  paths: z.record(z.string().startsWith('/'), z.strictObject({ set: z.record(headerName, headerValue).optional(), remove: z.array(headerName).optional() })).optional(),
});

export const ServiceTableSchema = z.strictObject({
  health: HealthCheckSchema,
  /** How long in-flight requests and websockets on a target removed from rotation may go on. */
  drainMs: timerMs().nonnegative(),
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
  /** Security headers added to responses (src/proxy/response-policy/headers.ts); absent: none. */
  headers: HeaderPolicySchema.optional(),
  /** gzip/brotli for text responses the app did not compress; absent: off. */
  compress: z.boolean().optional(),
  /** Maintenance mode: requests and websockets get a 503 page, except from the `allow` client addresses (IP or CIDR). */
  maintenance: z.strictObject({ message: z.string().max(2000).optional(), allow: z.array(z.string()) }).optional(),
});

export const RouteSchema = z.strictObject({
  /** Exact host or "*.suffix" wildcard, lower-case, no port. */
  host: z.string().min(1),
  /** Path prefix starting with "/"; longest prefix wins. */
  path: z.string().startsWith('/'),
  service: z.string().min(1),
  /** Rate-limit zone (a key of the table's rateLimits) applied per client address; absent: none. */
  rateLimit: z.string().min(1).optional(),
  /** HTTP basic auth in front of the route: user name → scrypt hash (src/secrets/password-hash.ts). */
  basicAuth: z.strictObject({ realm: z.string().min(1), users: z.record(z.string().min(1), z.string().startsWith('scrypt$')) }).optional(),
  /** Client addresses (IP or CIDR) let through; others get 403. Absent: everyone. */
  allow: z.array(z.string().min(1)).optional(),
  /** Client addresses (IP or CIDR) refused with 403, even when `allow` holds them. Absent: none. */
  deny: z.array(z.string().min(1)).optional(),
});

/** Request limits of the client listeners (src/proxy/admission/); each absent field keeps its default. */
export const LimitsSchema = z.strictObject({
  /** Largest request body (413 above it). */
  bodyBytes: z.number().int().positive().optional(),
  /** Largest request head: request line and header fields (431 above it). */
  headerBytes: z.number().int().positive().optional(),
  /** Time a client has to send the whole request head (slow clients are cut off: 408). */
  headerTimeoutMs: timerMs().positive().optional(),
  /** Time an idle keep-alive client connection is kept. */
  idleTimeoutMs: timerMs().positive().optional(),
  /** Time allowed for an upstream's response head, and between two body chunks (504). */
  upstreamTimeoutMs: timerMs().positive().optional(),
  /** Client connections per listener; more are closed on accept. */
  maxConnections: z.number().int().positive().optional(),
});

/** A token bucket per client address: `perSecond` tokens refill, `burst` the bucket size. */
export const RateLimitZoneSchema = z.strictObject({
  perSecond: z.number().positive(),
  burst: z.number().int().positive(),
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
  /** With hstsMaxAge: the `includeSubDomains` and `preload` directives; absent: not sent. */
  hstsIncludeSubDomains: z.boolean().optional(),
  hstsPreload: z.boolean().optional(),
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
  /** ACME TLS-ALPN-01 answers: host → key authorization, answered on the HTTPS port to `acme-tls/1` handshakes. */
  alpnChallenges: z.record(z.string().min(1), z.string()).optional(),
  /** CIDRs of proxies in front of this one whose X-Forwarded-For is believed; absent: none. */
  trustedProxies: z.array(z.string().min(1)).optional(),
  limits: LimitsSchema.optional(),
  /** Named rate-limit zones that routes refer to by name. */
  rateLimits: z.record(z.string().min(1), RateLimitZoneSchema).optional(),
  /** One JSON line per request in <stateDir>/proxy/access.log; absent: on. */
  accessLog: z.boolean().optional(),
});

export const TableAckSchema = z.strictObject({
  version: z.number().int().nonnegative(),
  /** The port actually bound (useful when the table asked for port 0). */
  httpPort: z.number().int(),
  /** The HTTPS port actually bound, when the table asked for one. */
  httpsPort: z.number().int().optional(),
});

export const HandoffResultSchema = z.strictObject({
  oldPid: z.number().int(),
  newPid: z.number().int(),
  /** Listening sockets handed over (HTTP, and HTTPS when configured). */
  listeners: z.number().int().nonnegative(),
});

export const LatencyHistogramSchema = z.strictObject({
  counts: z.array(z.number().int().nonnegative()),
  sum: z.number().nonnegative(),
  count: z.number().int().nonnegative(),
});

export { STATUS_CLASSES, type StatusClass } from './status-classes.js';
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
  /** Per rate-limit zone: requests refused with 429 since start, client buckets held now. Optional: older proxies. */
  rateLimits: z.record(z.string(), z.strictObject({ limited: counter, tracked: counter })).optional(),
  /** Requests the proxy refused before routing, by status (400, 401, 408, 413, 431). Optional: older proxies. */
  refused: z.record(z.string().regex(/^\d{3}$/), counter).optional(),
  /** Access-log lines dropped since start (a write failed, e.g. disk full, or the disk could not keep up). Optional: older proxies. */
  accessLogDropped: counter.optional(),
});

/** Answer to POST /v1/shutdown. */
export const ShutdownAckSchema = z.strictObject({ ok: z.literal(true) });

/** Body of every 4xx/5xx answer: a serialized SlipwayError (src/errors.ts), read by its known fields. */
export const ErrorBodySchema = z.object({
  error: z.looseObject({ code: z.string(), message: z.string(), hint: z.string() }),
});

export type HealthCheck = z.infer<typeof HealthCheckSchema>;
export type Target = z.infer<typeof TargetSchema>;
export type ServiceTable = z.infer<typeof ServiceTableSchema>;
export type HeaderPolicyTable = z.infer<typeof HeaderPolicySchema>;
export type Route = z.infer<typeof RouteSchema>;
export type Limits = z.infer<typeof LimitsSchema>;
export type RateLimitZone = z.infer<typeof RateLimitZoneSchema>;
export type TlsEntry = z.infer<typeof TlsEntrySchema>;
export type RoutingTable = z.infer<typeof RoutingTableSchema>;
export type RoutingTableInput = z.input<typeof RoutingTableSchema>;
export type TableAck = z.infer<typeof TableAckSchema>;
export type HandoffResult = z.infer<typeof HandoffResultSchema>;
export type ReleaseStats = z.infer<typeof ReleaseStatsSchema>;
export type StatusClassCounts = z.infer<typeof StatusClassCountsSchema>;
export type TargetStatus = z.infer<typeof TargetStatusSchema>;
export type ProxyStatus = z.infer<typeof ProxyStatusSchema>;

/** Files of the proxy inside the state dir (defined in paths.ts, which the proxy loads without zod). */
export { PROXY_DIR, PROXY_SOCKET, PROXY_TABLE_FILE, PROXY_PID_FILE } from './paths.js';
