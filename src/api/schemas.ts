/**
 * The CLI ⇄ daemon contract. The daemon validates every request and response with these
 * schemas, and so does the client: one source of truth for both sides.
 *
 * Transport: HTTP/1.1 over the unix socket `<stateDir>/daemon.sock` (mode 0600).
 *   POST /v1/<method>  body: request JSON
 *   plain methods answer one JSON object: { ok: true, result } | { ok: false, error }
 *   streaming methods (deploy, rollback) answer NDJSON: ProgressEvent lines, the last one
 *   of type "result" or "error".
 */
import { z } from 'zod';
import { ConfigFilePath, ProjectScopeFields, projectMethods } from './project-schemas.js';
import { backupMethods } from './backup-schemas.js';
import { proxyMethods } from './proxy-schemas.js';
import { dashboardMethods } from './dashboard-schemas.js';
import { EVENT_KINDS } from './event-schemas.js';
import { ActorSchema, CanaryViewSchema, DeploymentViewSchema, DeployReportSchema, DeployResultSchema, ProgressEventSchema } from './deploy-schemas.js';

export * from './deploy-schemas.js';

const Empty = z.strictObject({});

export const ConfigRefSchema = z.strictObject({
  /** Absolute path of slipway.yaml, as the CLI resolved it. */
  configFile: ConfigFilePath,
  env: z.string().optional(),
  /** --project: the project on the host (default: the one named in, or deployed from, the file). */
  project: z.string().optional(),
});


export const InstanceViewSchema = z.strictObject({
  id: z.string(),
  release: z.string(),
  port: z.number(),
  /** The host's process id, when the instance is a process (or a container's main process). */
  pid: z.number().optional(),
  /** How its driver names it: "pid 4242", "container 3f2a…". */
  ref: z.string().optional(),
  state: z.enum(['starting', 'healthy', 'unhealthy', 'draining', 'stopped', 'failed']),
  /** active: serving; canary: the release a canary in progress sends its share to; warm: the previous one, kept for rollback. */
  role: z.enum(['active', 'canary', 'warm', 'new', 'old']),
  inRotation: z.boolean(),
  healthy: z.boolean().optional(),
  inflight: z.number().optional(),
  restarts: z.number(),
  lastExit: z.string().optional(),
});

export const ServiceViewSchema = z.strictObject({
  name: z.string(),
  activeRelease: z.string().optional(),
  previousRelease: z.string().optional(),
  warmUntil: z.string().optional(),
  routes: z.array(z.strictObject({ host: z.string(), path: z.string() })),
  instances: z.array(InstanceViewSchema),
  releases: z.array(z.strictObject({ id: z.string(), createdAt: z.string(), status: z.string(), commit: z.string().optional() })),
  /** In maintenance mode (`slipway maintenance`): clients get the 503 page. */
  maintenance: z.boolean().optional(),
});

export const LockViewSchema = z.strictObject({
  owner: z.string(),
  pid: z.number(),
  deploymentId: z.string().optional(),
  acquiredAt: z.string(),
  heartbeatAt: z.string(),
  expiresAt: z.string(),
  stale: z.boolean(),
});

export const NotifierHealthSchema = z.strictObject({
  name: z.string(),
  type: z.string(),
  state: z.enum(['idle', 'ok', 'retrying', 'failing']),
  sent: z.number(),
  failed: z.number(),
  retries: z.number(),
  consecutiveFailures: z.number(),
  lastError: z.string().optional(),
  lastErrorAt: z.string().optional(),
  lastSentAt: z.string().optional(),
  nextRetryAt: z.string().optional(),
});

export const SilenceSchema = z.strictObject({ id: z.string(), rule: z.string(), service: z.string().optional(), createdAt: z.string(), expiresAt: z.string() });

export const AlertsListSchema = z.strictObject({
  alerts: z.array(
    z.strictObject({ rule: z.string(), service: z.string(), state: z.enum(['pending', 'firing']), since: z.string(), value: z.number(), silenced: z.boolean() }),
  ),
  silences: z.array(SilenceSchema),
  notifiers: z.array(NotifierHealthSchema),
  rules: z.array(z.strictObject({ name: z.string(), severity: z.string(), forMs: z.number(), held: z.boolean() })),
});

export const StatusSchema = z.strictObject({
  daemon: z.strictObject({ pid: z.number(), startedAt: z.string(), stateDir: z.string(), version: z.string() }),
  proxy: z.strictObject({
    up: z.boolean(),
    pid: z.number().optional(),
    httpPort: z.number().optional(),
    tableVersion: z.number().optional(),
  }),
  lock: LockViewSchema.optional(),
  /** The project shown (absent: the host has none yet, or state of before projects). */
  project: z.string().optional(),
  /** Every project on the host, by name (`slipway projects` says more). */
  projects: z.array(z.string()).optional(),
  services: z.array(ServiceViewSchema),
  /** When the daemon evaluates alerts: how many fire, and each notifier's health. */
  alerts: z.strictObject({ firing: z.number(), notifiers: z.array(NotifierHealthSchema) }).optional(),
});

/** One managed certificate (`slipway certs list`); the leaf's fields are absent until one is live. */
export const CertViewSchema = z.strictObject({
  name: z.string(),
  hosts: z.array(z.string()),
  source: z.enum(['acme', 'internal', 'files']),
  subject: z.string().optional(),
  names: z.array(z.string()).optional(),
  issuer: z.string().optional(),
  serial: z.string().optional(),
  notAfter: z.string().optional(),
  daysLeft: z.number().optional(),
  generation: z.number().int().optional(),
  nextRenewal: z.string().optional(),
  lastError: z.string().optional(),
  /** When the last attempt failed; absent once one succeeds. */
  lastErrorAt: z.string().optional(),
  /** Failed attempts in a row (0 after a success). */
  failures: z.number().int().optional(),
  /** The next attempt after a failure (backoff or the CA's Retry-After). */
  retryAt: z.string().optional(),
  /** The CA's suggested renewal window (ACME Renewal Information), when it offers one. */
  ariWindow: z.strictObject({ start: z.string(), end: z.string() }).optional(),
});

export const CertPlanSchema = z.strictObject({ name: z.string(), hosts: z.array(z.string()), source: z.enum(['acme', 'internal', 'files']), action: z.enum(['issue', 'renew', 'keep']) });

/** An env value as plan shows it: plain, or a hash of a value holding secret references (src/secrets/shown-value.ts). */
export const ShownValueSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('plain'), value: z.string() }),
  z.strictObject({ kind: z.literal('secret'), hash: z.string(), secrets: z.array(z.string()) }),
]);

/** A release's settings as `slipway plan` compares them (src/config/plan.ts PlanSide). */
export const PlanSideSchema = z.strictObject({
  run: z.array(z.string()),
  env: z.record(z.string(), ShownValueSchema),
  instances: z.number(),
  health: z.strictObject({ path: z.string(), intervalMs: z.number(), timeoutMs: z.number(), rise: z.number(), fall: z.number(), startTimeoutMs: z.number() }),
  routes: z.array(z.strictObject({ host: z.string(), path: z.string() })),
  drainMs: z.number(),
  keepWarmMs: z.number(),
  watchMs: z.number(),
  stopTimeoutMs: z.number(),
  strategy: z.enum(['blue-green', 'canary']).optional(),
});

export const PlanStateSchema = z.strictObject({
  services: z.array(
    z.strictObject({
      name: z.string(),
      active: z
        .strictObject({ id: z.string(), createdAt: z.string(), commit: z.string().optional(), dirty: z.boolean(), contentHash: z.string().optional(), side: PlanSideSchema })
        .optional(),
    }),
  ),
});

/** Every method: its request and response schema, and whether it streams progress. */
export const methods = {
  status: { request: z.strictObject(ProjectScopeFields), response: StatusSchema, stream: false },
  deploy: {
    request: ConfigRefSchema.extend({
      service: z.string().optional(),
      strategy: z.enum(['blue-green', 'canary']).optional(),
      /** false (`--no-stack-rollback`): when a service of a multi-service deploy fails, the ones already switched stay on their new releases. */
      stackRollback: z.boolean().optional(),
      actor: ActorSchema.optional(),
    }),
    response: ProgressEventSchema,
    stream: true,
  },
  rollback: {
    /** withData: also restore the pre-deploy snapshot (backups.beforeDeploy) of the release rolled back from. */
    request: ConfigRefSchema.extend({ service: z.string().optional(), withData: z.boolean().optional(), actor: ActorSchema.optional() }),
    response: ProgressEventSchema,
    stream: true,
  },
  /**
   * The event stream: recent events held by the daemon, then (follow) every new one until the
   * client goes away. attach: the events of the deployment running now (of `service`), ending
   * with its result, as `deploy --follow` shows it.
   */
  events: {
    request: z.strictObject({
      ...ProjectScopeFields,
      service: z.string().optional(),
      kinds: z.array(z.enum(EVENT_KINDS as [string, ...string[]])).optional(),
      follow: z.boolean().optional(),
      attach: z.boolean().optional(),
    }),
    response: ProgressEventSchema,
    stream: true,
  },
  /** `slipway deploy --cancel`: stop and revert the deployment(s) running now. */
  'deploy.cancel': {
    request: z.strictObject({ ...ProjectScopeFields, service: z.string().optional() }),
    response: z.strictObject({ cancelled: z.array(z.string()) }),
    stream: false,
  },
  history: {
    request: z.strictObject({ ...ProjectScopeFields, service: z.string().optional(), limit: z.number().int().positive().max(1000).optional() }),
    response: z.strictObject({ deployments: z.array(DeploymentViewSchema) }),
    stream: false,
  },
  logs: {
    request: z.strictObject({ ...ProjectScopeFields, service: z.string(), lines: z.number().int().positive().max(10_000).optional() }),
    response: z.strictObject({
      instances: z.array(z.strictObject({ id: z.string(), release: z.string(), state: z.string(), lines: z.array(z.string()) })),
    }),
    stream: false,
  },
  'lock.status': { request: z.strictObject(ProjectScopeFields), response: z.strictObject({ lock: LockViewSchema.optional() }), stream: false },
  'lock.release': {
    request: z.strictObject({ ...ProjectScopeFields, force: z.boolean() }),
    response: z.strictObject({ released: LockViewSchema.optional() }),
    stream: false,
  },
  canary: {
    request: z.strictObject({ ...ProjectScopeFields, service: z.string().optional(), action: z.enum(['status', 'promote', 'abort', 'pause', 'resume']) }),
    response: z.strictObject({ canaries: z.array(CanaryViewSchema) }),
    stream: false,
  },
  'alerts.list': { request: Empty, response: AlertsListSchema, stream: false },
  'alerts.silence': {
    request: z.strictObject({ rule: z.string(), service: z.string().optional(), forMs: z.number().int().positive().max(366 * 86_400_000) }),
    response: z.strictObject({ silence: SilenceSchema }),
    stream: false,
  },
  'alerts.test': { request: z.strictObject({ notifier: z.string() }), response: z.strictObject({ delivered: z.literal(true) }), stream: false },
  'certs.list': { request: Empty, response: z.strictObject({ certs: z.array(CertViewSchema) }), stream: false },
  'certs.renew': { request: z.strictObject({ host: z.string().optional() }), response: z.strictObject({ certs: z.array(CertViewSchema) }), stream: false },
  'certs.issue': {
    request: z.strictObject({ host: z.string().optional(), dryRun: z.boolean() }),
    response: z.strictObject({ plan: z.array(CertPlanSchema).optional(), certs: z.array(CertViewSchema).optional() }),
    stream: false,
  },
  /** Read-only: each service's active release, for `slipway plan` (secret references only as hashes). */
  plan: { request: z.strictObject({ ...ProjectScopeFields, service: z.string().optional() }), response: PlanStateSchema, stream: false },
  ...backupMethods,
  ...proxyMethods,
  ...projectMethods,
  /** Applies the changed daemon-level sections of the daemon's config (admin, alerts, backups) without a restart. */
  'daemon.reload': {
    request: z.strictObject({}),
    response: z.strictObject({
      applied: z.array(z.enum(['admin', 'alerts', 'backups'])),
      unchanged: z.array(z.enum(['admin', 'alerts', 'backups'])),
      warnings: z.array(z.string()),
      admin: z.string().optional(),
      backupJobs: z.array(z.string()),
    }),
    stream: false,
  },
  ...dashboardMethods,
  stop: {
    request: z.strictObject({ keepApps: z.boolean() }),
    response: z.strictObject({ stopping: z.literal(true) }),
    stream: false,
  },
} as const;

export type MethodName = keyof typeof methods;
export type RequestOf<M extends MethodName> = z.infer<(typeof methods)[M]['request']>;
export type ResponseOf<M extends MethodName> = z.infer<(typeof methods)[M]['response']>;
export type Status = z.infer<typeof StatusSchema>;
export type ProgressEvent = z.infer<typeof ProgressEventSchema>;
export type DeployResult = z.infer<typeof DeployResultSchema>;
export type DeployReport = z.infer<typeof DeployReportSchema>;
export type DeploymentView = z.infer<typeof DeploymentViewSchema>;
export type InstanceView = z.infer<typeof InstanceViewSchema>;
export type ServiceView = z.infer<typeof ServiceViewSchema>;
export type LockView = z.infer<typeof LockViewSchema>;
export type CanaryView = z.infer<typeof CanaryViewSchema>;
export type AlertsList = z.infer<typeof AlertsListSchema>;
export type PlanState = z.infer<typeof PlanStateSchema>;
export type CertView = z.infer<typeof CertViewSchema>;
export type CertPlan = z.infer<typeof CertPlanSchema>;

export { DAEMON_SOCKET } from './socket.js';
