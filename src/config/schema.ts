/** The slipway.yaml format (version 1) as zod schemas: validation and `slipway schema` share them. */
import { z } from 'zod';
import { outputName } from './service-fields.js';
import { projectName, command, count, duration, durationValue, envName, percent, stickyMode, envValue, envVarName, listenHost, port, routeHost, serviceName, urlPath, version } from './schema-fields.js';
import { listenAddress } from './schema-fields.js';
import { tag } from './schema-meta.js';
import { alertsSchema } from './alerts-schema.js';
import { backupsSchema } from './backups-schema.js';
import { envFileSchema, secretFilesSchema, secretsSchema } from './secrets-schema.js';
import { hsts, routeTls, tlsSchema } from './tls-schema.js';
import { cidr, proxyPolicyFields, routePolicyFields } from './proxy-policy-schema.js';
import { compressSchema, headersSchema } from './headers-schema.js';
import { canaryJudgeFields } from './canary-judge-schema.js';
import { containerFields, isolationFields } from './container-schema.js';

export const proxySchema = z.strictObject({
  http: port.default(80).describe('HTTP listen port (default 80).'),
  host: listenHost.default('0.0.0.0').describe('Listen address (default 0.0.0.0).'),
  https: port.optional().describe('HTTPS listen port; default 443 when a route has TLS on.'),
  accessLog: tag(z.boolean(), { code: 'SLW_CONFIG_INVALID_TYPE', expected: 'true or false', quoteValue: true })
    .default(true)
    .describe('One JSON line per request in <stateDir>/proxy/access.log, rotated by size (default true).'),
  ...proxyPolicyFields,
});

export const adminSchema = z.strictObject({
  listen: listenAddress.describe('Address of the admin HTTP listener (/metrics, /health/live, /health/ready), e.g. 127.0.0.1:9180.'),
  allow: z.array(cidr).min(1).optional().describe('Client addresses (IP or CIDR blocks) the admin listener answers; others get 403. Default: everyone who can reach it.'),
});

export const dashboardSchema = z.strictObject({
  listen: listenAddress.describe('Address of the dashboard\'s own HTTP listener, e.g. 127.0.0.1:9190 (put it behind a TLS route of the proxy to reach it from elsewhere).'),
});

export const routeSchema = z.strictObject({
  host: routeHost.describe('Exact host or *.wildcard; lower-case, no port.'),
  path: urlPath.default('/').describe('Path prefix (default "/"); the longest prefix wins.'),
  tls: routeTls.default('off').describe('auto (ACME), internal (local CA), off (default), or { cert, key } files.'),
  redirectHttp: z.boolean().optional().describe('308 from http to https (default true when tls is on).'),
  hsts: hsts.optional().describe('Strict-Transport-Security: true (365d), false, a max-age, or { maxAge, includeSubDomains, preload }; default on for the production environment.'),
  ...routePolicyFields,
});

const checkFields = {
  path: urlPath.optional().describe('Path probed with GET (default "/" for a web service).'),
  tcp: z.literal(true).optional().describe('true: a TCP connection to $PORT is the check (workers).'),
  command: command.optional().describe('A command run in the release with PORT set; exit 0 within timeout is a success (workers).'),
};

/** Readiness: gates traffic (the deploy's health gate, the proxy's checks). */
const readinessFields = {
  ...checkFields,
  interval: duration('1s', 'Time between probes'),
  timeout: duration('2s', 'Time a probe may take'),
  rise: count(2, 1, 100, 'Consecutive successes that make an instance healthy'),
  fall: count(3, 1, 100, 'Consecutive failures that make an instance unhealthy'),
  startTimeout: duration('60s', 'Deadline for a new instance to become healthy'),
};

/** Liveness: an instance that fails it `failures` times in a row is restarted. */
export const livenessSchema = z.strictObject({
  ...checkFields,
  interval: duration('5s', 'Time between liveness probes'),
  timeout: duration('2s', 'Time a liveness probe may take'),
  failures: count(3, 1, 100, 'Consecutive liveness failures that restart an instance'),
});

export const healthSchema = z.strictObject({
  ...readinessFields,
  readiness: z.strictObject(readinessFields).optional().describe('The check that gates traffic (instead of the fields beside it): { path | tcp | command, interval, timeout, rise, fall, startTimeout }.'),
  liveness: livenessSchema.optional().describe('A separate check that restarts an instance failing it `failures` times in a row: { path | tcp | command (default: the readiness check), interval (5s), timeout, failures (3) }. Given, a failing readiness check only takes the instance out of rotation.'),
});

export const canarySchema = z.strictObject({
  steps: z.array(percent).min(1).max(10).default(['5%', '25%', '50%']).describe('Canary weights, in order (default 5%, 25%, 50%); then the bake at 95%, then 100%.'),
  minHold: z.union([durationValue(), z.array(durationValue())]).default(['60s', '60s', '120s']).describe('Least time per step: one duration, or one per step.'),
  minRequests: z.union([count(300, 0, 10_000_000, 'Least canary requests per step'), z.array(count(300, 0, 10_000_000, 'Least canary requests'))]).default([300, 1000, 2000]).describe('Least canary requests per step: one number, or one per step.'),
  maxHold: duration('15m', 'Longest time a step waits for enough requests before the canary pauses'),
  bake: duration('60s', 'Time at 95% (the old release keeps 5% as a live comparison) before 100%'),
  sticky: stickyMode.default('cookie').describe('How a user stays on one release: cookie, header:<name>, or none (default cookie).'),
  ...canaryJudgeFields,
});

export const strategySchema = z.union([
  z.literal('blue-green'),
  z.literal('canary'),
  z.strictObject({ canary: canarySchema.prefault({}) }),
]);

export const serviceSchema = z.strictObject({
  source: z.string().min(1).default('.').describe('Directory the release snapshot is taken from, relative to the config file.'),
  build: command.optional().describe('Build command, run in the release directory.'),
  run: command.optional().describe('Start command; the app must listen on $PORT. Optional with image/dockerfile (the image\'s CMD).'),
  ...containerFields,
  ...isolationFields,
  routes: z.array(routeSchema).default([]).describe('Host/path rules sending traffic here; none for a worker.'),
  health: healthSchema.prefault({}),
  instances: count(1, 1, 64, 'Instances to run'),
  drain: duration('30s', 'Time in-flight requests get to finish on old instances'),
  keepWarm: duration('10m', 'Time old instances stay up for instant rollback'),
  watch: duration('30s', 'Watch window after the switch'),
  stopTimeout: duration('10s', 'Grace between SIGTERM and SIGKILL'),
  strategy: strategySchema.default('blue-green').describe('blue-green (default), canary, or { canary: { steps, minHold, minRequests, maxHold, bake, sticky, judge, warmup, lowTraffic } }.'),
  env: z.record(envVarName, envValue).default({}).describe('Environment of the instances; values become strings.'),
  secretFiles: secretFilesSchema,
  envFile: envFileSchema,
  headers: headersSchema.optional().describe('Security headers: strict, relaxed, off, or { preset, set, remove } (default strict in the production environment, relaxed elsewhere).'),
  compress: compressSchema.default(true).describe('gzip/brotli for text responses the app did not compress (default true).'),
  release: command.optional().describe('Run once per deploy with the new release\'s code, env and secrets, before its instances start (migrations); a failure stops the deploy.'),
  kind: z.enum(['web', 'worker', 'accessory']).default('web').describe('web (routed, health over HTTP), worker (no routes; healthy while it runs, or by its tcp/command check) or accessory (a database or cache beside the app: one instance on a stable port, restarted in place only when its own config changes).'),
  outputs: z.record(outputName, z.string()).default({}).describe('Values other services read as ${service:NAME.OUTPUT} (e.g. a URL); ${host} and ${port} are this service\'s address.'),
  replace: z.enum(['overlap', 'stop-first']).optional().describe('Workers: overlap (the default: the new release starts and passes its check, then the old stops) or stop-first (the old stops, then the new starts: never two at once).'),
  dependsOn: z.array(serviceName).default([]).describe('Services deployed (and healthy) before this one; a deploy of several goes in this order.'),
  volumes: z
    .record(serviceName, z.strictObject({ path: z.string().min(1).optional().describe('Where it appears in every release, relative to the release (default ./NAME).') }))
    .default({})
    .describe('Persistent directories of the project, kept across every release and rollback (never copied, never pruned).'),
  metrics: z
    .strictObject({ path: urlPath.default('/metrics').describe('Path of the app\'s Prometheus exposition on $PORT (default /metrics).') })
    .optional()
    .describe('The app\'s own metrics: its instances are listed for Prometheus on the admin listener (GET /discovery/targets, http_sd_configs), with project, service and release labels.'),
});

/** One variant of the config (the base, or the base with an overlay merged in). */
export const configSchema = z.strictObject({
  version,
  project: projectName.optional().describe('Name of this project on the host (default: the name of the folder holding this file); several projects share one daemon and proxy.'),
  proxy: proxySchema.prefault({}),
  admin: adminSchema.optional().describe('Admin HTTP listener of the daemon; off when absent.'),
  dashboard: dashboardSchema.optional().describe('The web dashboard of the daemon (token login: `slipway dashboard token`); off when absent.'),
  alerts: alertsSchema.optional().describe('Alert rules evaluated by the daemon, and where notifications go; off when absent.'),
  backups: backupsSchema.optional().describe('Encrypted, verified, retained backups of databases and directories; off when absent.'),
  secrets: secretsSchema,
  tls: tlsSchema.optional().describe('ACME account for routes with tls: auto.'),
  services: z.record(serviceName, serviceSchema),
});

export type ParsedConfig = z.output<typeof configSchema>;
export type ParsedService = z.output<typeof serviceSchema>;
export type ParsedCanary = z.output<typeof canarySchema>;

/** Shape check of `environments:`; overlay contents are checked once merged onto the base. */
export const environmentsSchema = z.object({
  environments: z.record(
    envName,
    z.strictObject({ proxy: z.unknown().optional(), admin: z.unknown().optional(), alerts: z.unknown().optional(), backups: z.unknown().optional(), secrets: z.unknown().optional(), services: z.unknown().optional() }),
  ),
});

/** The whole file as users write it, for JSON Schema (overlays described as partial configs). */
export const fileSchema = configSchema.extend({
  environments: z
    .record(
      envName,
      z.strictObject({
        proxy: proxySchema.partial().optional(),
        admin: adminSchema.partial().optional(),
        alerts: alertsSchema.optional(),
        backups: backupsSchema.optional(),
        secrets: secretsSchema.optional(),
        services: z.record(serviceName, serviceSchema.partial()).optional(),
      }),
    )
    .optional()
    .describe('Overlays deep-merged onto the base, chosen with --env NAME.'),
});
