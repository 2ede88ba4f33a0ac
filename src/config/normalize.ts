/** Parsed (schema-valid) data → the normalized Config: ms durations, argv commands, absolute paths, frozen. */
import { resolve } from 'node:path';
import { parseDuration } from '../lib/duration.js';
import { toArgv } from '../lib/command-line.js';
import { parseListenAddress } from '../lib/listen-address.js';
import type { CanarySpec, Config, ServiceSpec } from './model.js';
import { canarySchema, type ParsedCanary, type ParsedConfig, type ParsedService } from './schema.js';
import { deepFreeze } from './freeze.js';
import { normalizeAlerts } from './alerts-normalize.js';
import { normalizeBackups } from './backups-normalize.js';
import { secretDecls, serviceEnv } from './secrets-normalize.js';
import { acmeSpec, httpsPort, routeTlsFields } from './tls-normalize.js';
import { basicAuthSpec, limitsSpec, rateLimitSpecs, routeZone } from './proxy-policy-normalize.js';
import { headersSpec } from './headers-normalize.js';
import { normalizeCanaryJudge } from './canary-judge-normalize.js';
import { projectNameOfDir } from './project-name.js';
import { posix } from 'node:path';
import { containerIsolation, containerSource } from './container-normalize.js';

export interface NormalizeContext {
  readonly file: string;
  readonly dir: string;
  readonly env: string | undefined;
  /** Parsed envFile of each service that has one (read by the references stage). */
  readonly envFiles?: Readonly<Record<string, Record<string, string>>>;
  /** The file (with its overlay) writes `proxy:` (the defaults are the host's otherwise). */
  readonly proxyExplicit?: boolean;
}

export function normalize(parsed: ParsedConfig, ctx: NormalizeContext): Config {
  const services: Record<string, ServiceSpec> = {};
  for (const [name, service] of Object.entries(parsed.services)) services[name] = normalizeService(name, service, ctx.dir, serviceEnv(service, ctx.envFiles?.[name], ctx.env), ctx.env, parsed.proxy.rateLimits);
  const tlsOn = Object.values(parsed.services).some((s) => s.routes.some((r) => r.tls !== 'off'));
  return deepFreeze({
    file: ctx.file,
    dir: ctx.dir,
    env: ctx.env,
    version: parsed.version,
    project: parsed.project ?? projectNameOfDir(ctx.dir),
    proxyExplicit: ctx.proxyExplicit ?? true,
    proxy: { http: parsed.proxy.http, host: parsed.proxy.host, ...httpsPort(parsed.proxy.https, tlsOn), accessLog: parsed.proxy.accessLog, ...proxyPolicy(parsed.proxy) },
    ...(parsed.tls?.acme ? { acme: acmeSpec(parsed.tls, ctx.dir) } : {}),
    admin: parsed.admin ? { listen: listenOf(parsed.admin.listen), ...(parsed.admin.allow ? { allow: [...parsed.admin.allow] } : {}) } : undefined,
    ...(parsed.dashboard ? { dashboard: { listen: listenOf(parsed.dashboard.listen) } } : {}),
    alerts: parsed.alerts ? normalizeAlerts(parsed.alerts) : undefined,
    ...(parsed.backups ? { backups: normalizeBackups(parsed.backups, ctx.dir) } : {}),
    ...(Object.keys(parsed.secrets).length > 0 ? { secrets: secretDecls(parsed) } : {}),
    services,
  });
}

function normalizeService(name: string, s: ParsedService, dir: string, env: Record<string, string>, envName: string | undefined, zones: Readonly<Record<string, unknown>>): ServiceSpec {
  const headers = headersSpec(s.headers, envName);
  return {
    name,
    dependsOn: [...s.dependsOn],
    volumes: Object.fromEntries(Object.entries(s.volumes).map(([volume, v]) => [volume, { path: normalizeVolumePath(v.path ?? `./${volume}`) }])),
    source: resolve(dir, s.source),
    build: s.build === undefined ? undefined : argv(s.build),
    run: s.run === undefined ? [] : argv(s.run),
    ...containerOf(s, dir),
    routes: s.routes.map((r) => ({ host: r.host, path: r.path, ...(r.tls === 'off' ? {} : routeTlsFields(r, dir, headers.preset === 'strict')), ...routeZone(r.rateLimit, zones), ...basicAuthSpec(r.basicAuth, name), ...(r.allow ? { allow: [...r.allow] } : {}), ...(r.deny ? { deny: [...r.deny] } : {}) })),
    kind: s.kind,
    ...(Object.keys(s.outputs).length > 0 ? { outputs: { ...s.outputs } } : {}),
    ...(s.user === undefined ? {} : { user: s.user }),
    ...(s.replace === undefined ? {} : { replace: s.replace }),
    ...(s.release === undefined ? {} : { release: argv(s.release) }),
    health: healthOf(s),
    instances: s.instances,
    drainMs: ms(s.drain),
    keepWarmMs: ms(s.keepWarm),
    watchMs: ms(s.watch),
    stopTimeoutMs: ms(s.stopTimeout),
    env,
    ...(s.secretFiles.length > 0 ? { secretFiles: [...s.secretFiles] } : {}),
    ...(s.envFile !== undefined ? { envFile: resolve(dir, s.envFile) } : {}),
    strategy: typeof s.strategy === 'string' ? s.strategy : 'canary',
    canary: normalizeCanary(name, typeof s.strategy === 'string' ? canarySchema.parse({}) : s.strategy.canary),
    headers,
    compress: s.compress,
    ...(s.metrics ? { metrics: { path: s.metrics.path } } : {}),
  };
}

function normalizeCanary(service: string, c: ParsedCanary): CanarySpec {
  const perStep = <T>(value: T | T[]): T[] => {
    const list = Array.isArray(value) ? value : [value];
    return c.steps.map((_, i) => list[Math.min(i, list.length - 1)] as T);
  };
  return {
    steps: c.steps.map((p) => Number(p.slice(0, -1)) / 100),
    minHoldMs: perStep(c.minHold).map(ms),
    minRequests: perStep(c.minRequests),
    maxHoldMs: ms(c.maxHold),
    bakeMs: ms(c.bake),
    sticky:
      c.sticky === 'none'
        ? undefined
        : c.sticky === 'cookie'
          ? { kind: 'cookie', name: `slipway_${service.replace(/-/g, '_')}` }
          : { kind: 'header', name: c.sticky.slice('header:'.length) },
    judge: normalizeCanaryJudge(c.judge),
    warmupMs: ms(c.warmup),
    lowTraffic: c.lowTraffic,
  };
}

function proxyPolicy(p: ParsedConfig['proxy']): Pick<Config['proxy'], 'trustedProxies' | 'limits' | 'rateLimits'> {
  return { trustedProxies: [...p.trustedProxies], limits: limitsSpec(p.limits), rateLimits: rateLimitSpecs(p.rateLimits) };
}

function argv(command: string | string[]): string[] {
  return typeof command === 'string' ? toArgv(command) : [...command];
}

function listenOf(text: string): { host: string; port: number } {
  const address = parseListenAddress(text);
  if (!address) throw new Error(`listen address "${text}" passed the schema but not parseListenAddress`);
  return { host: address.host, port: address.port };
}

function ms(text: string): number {
  const value = parseDuration(text);
  // The schema's pattern and parseDuration accept the same grammar (a test checks).
  if (value === undefined) throw new Error(`duration "${text}" passed the schema but not parseDuration`);
  return value;
}

/** A volume's place in the release, as a clean relative path ("./data/" → "data"); the semantic stage refused escapes. */
function normalizeVolumePath(path: string): string {
  return posix.normalize(path).replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

/**
 * The readiness check (health.readiness, else the health block itself) and, when given, the
 * liveness check, which names its own check or reuses the readiness one.
 */
function healthOf(s: ParsedService): ServiceSpec['health'] {
  const r = s.health.readiness ?? s.health;
  const readiness = { path: r.path ?? '/', ...healthKind(s.kind, r), intervalMs: ms(r.interval), timeoutMs: ms(r.timeout), rise: r.rise, fall: r.fall, startTimeoutMs: ms(r.startTimeout) };
  const l = s.health.liveness;
  if (!l) return readiness;
  const own = l.path !== undefined || l.tcp !== undefined || l.command !== undefined;
  const check = own ? { path: l.path ?? '/', ...healthKind('web', l) } : { path: readiness.path, kind: readiness.kind, ...(readiness.command ? { command: readiness.command } : {}) };
  // A worker's readiness may be "running" (process): its liveness then needs a check of its own, which the semantic stage asks for.
  const kind = check.kind === 'process' ? 'http' : check.kind;
  return { ...readiness, liveness: { ...check, kind, intervalMs: ms(l.interval), timeoutMs: ms(l.timeout), failures: l.failures } };
}

/** The check a health block names: a command, a TCP connect, HTTP, or (a worker with none) the process running. */
function healthKind(kind: ParsedService['kind'], h: { command?: string | string[] | undefined; tcp?: true | undefined; path?: string | undefined }): { kind: 'http' | 'tcp' | 'command' | 'process'; command?: string[] } {
  if (h.command !== undefined) return { kind: 'command', command: argv(h.command) };
  if (h.tcp) return { kind: 'tcp' };
  if (kind !== 'web' && h.path === undefined) return { kind: 'process' };
  return { kind: 'http' };
}

function containerOf(s: ParsedService, dir: string): Pick<ServiceSpec, 'container' | 'isolation'> {
  const container = containerSource(s, dir);
  const isolation = containerIsolation(s);
  return { ...(container ? { container } : {}), ...(isolation ? { isolation } : {}) };
}
