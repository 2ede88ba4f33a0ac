/**
 * Checks that span fields or touch the disk. They run on the raw (merged, interpolated) data
 * even when the schema found problems, skipping values of the wrong type, so the user sees
 * every problem at once.
 */
import { stat } from 'node:fs/promises';
import { posix, resolve } from 'node:path';
import { parseDuration } from '../lib/duration.js';
import { rawIssue, type RawIssue } from './issue.js';
import { isPlainObject } from './merge.js';
import { hstsPreloadIssues, tlsIssues } from './tls-semantic.js';
import { backupsIssues } from './backups-semantic.js';
import { proxyPolicyIssues } from './proxy-policy-semantic.js';
import { containerIssues, containerVolumeIssues, isContainerService } from './container-semantic.js';

export async function semanticIssues(data: unknown, dir: string): Promise<RawIssue[]> {
  if (!isPlainObject(data) || !isPlainObject(data['services'])) return [];
  const services = Object.entries(data['services']);
  if (services.length === 0) {
    return [rawIssue('SLW_CONFIG_NO_SERVICES', ['services'], '`services:` is empty, so there is nothing to deploy')];
  }
  const issues: RawIssue[] = [];
  for (const [name, service] of services) {
    if (!isPlainObject(service)) continue;
    issues.push(...(isContainerService(service) ? containerVolumeIssues(name, service) : volumeIssues(name, service)), ...kindIssues(name, service));
    issues.push(...(await containerIssues(name, service, dir)));
    issues.push(...commandIssues(name, service), ...reservedEnvIssues(name, service), ...healthIssues(name, service), ...canaryIssues(name, service));
    issues.push(...(await sourceIssues(name, service, dir)));
  }
  issues.push(...dependencyIssues(services));
  issues.push(...routeConflicts(services), ...tlsIssues(data, services), ...hstsPreloadIssues(services), ...backupsIssues(data));
  issues.push(...proxyPolicyIssues(data, services));
  return issues;
}

function commandIssues(name: string, service: Record<string, unknown>): RawIssue[] {
  const out: RawIssue[] = [];
  for (const key of ['build', 'run'] as const) {
    const value = service[key];
    const empty = typeof value === 'string' ? value.trim() === '' : Array.isArray(value) && value[0] === '';
    if (empty) out.push(rawIssue('SLW_CONFIG_BAD_COMMAND', ['services', name, key], `services.${name}.${key} is an empty command`));
  }
  return out;
}

function reservedEnvIssues(name: string, service: Record<string, unknown>): RawIssue[] {
  const env = service['env'];
  if (!isPlainObject(env)) return [];
  return Object.keys(env)
    .filter((key) => key === 'PORT' || key.startsWith('SLIPWAY_'))
    .map((key) =>
      rawIssue('SLW_CONFIG_RESERVED_ENV', ['services', name, 'env', key], `${key} is set by slipway for every instance and cannot be set in env`, {
        at: 'key',
      }),
    );
}

function healthIssues(name: string, service: Record<string, unknown>): RawIssue[] {
  const health = service['health'] ?? {};
  if (!isPlainObject(health)) return [];
  const path = ['services', name, 'health'];
  const out: RawIssue[] = [];
  const readiness = health['readiness'];
  if (isPlainObject(readiness)) {
    const beside = Object.keys(health).filter((k) => k !== 'readiness' && k !== 'liveness');
    if (beside.length > 0) out.push(rawIssue('SLW_CONFIG_HEALTH_TWICE', [...path, beside[0] ?? 'readiness'], `health of ${name} has both readiness and ${beside.join(', ')} beside it: put the readiness check's settings inside readiness`, { at: 'key' }));
    out.push(...timingIssues(readiness, [...path, 'readiness']));
  } else {
    out.push(...timingIssues(health, path));
  }
  const liveness = health['liveness'];
  if (isPlainObject(liveness)) out.push(...timingIssues(liveness, [...path, 'liveness'], false));
  return out;
}

/** interval and timeout above 0; a readiness check's startTimeout leaves room for rise × interval. */
function timingIssues(check: Record<string, unknown>, path: string[], readiness = true): RawIssue[] {
  const ms = (key: string, fallback: string) => {
    const value = check[key] ?? fallback;
    return typeof value === 'string' ? parseDuration(value) : undefined;
  };
  const what = path.slice(3).join('.');
  const out: RawIssue[] = [];
  for (const key of ['interval', 'timeout'] as const) {
    if (ms(key, '1s') === 0) out.push(rawIssue('SLW_CONFIG_HEALTH_TIMING', [...path, key], `${what}.${key} is 0; probes need time to run`));
  }
  if (!readiness) return out;
  const interval = ms('interval', '1s');
  const startTimeout = ms('startTimeout', '60s');
  const rise = check['rise'] ?? 2;
  if (interval && startTimeout !== undefined && typeof rise === 'number' && startTimeout < rise * interval) {
    const at = check['startTimeout'] === undefined ? path : [...path, 'startTimeout'];
    out.push(
      rawIssue('SLW_CONFIG_HEALTH_TIMING', at, `${what}.startTimeout (${startTimeout}ms) is shorter than rise × interval (${rise} × ${interval}ms), so no instance could ever become healthy in time`),
    );
  }
  return out;
}

function canaryIssues(name: string, service: Record<string, unknown>): RawIssue[] {
  const strategy = service['strategy'];
  const canary = isPlainObject(strategy) && isPlainObject(strategy['canary']) ? strategy['canary'] : undefined;
  if (!canary) return [];
  const path = ['services', name, 'strategy', 'canary'];
  const out: RawIssue[] = [];
  const steps = canary['steps'];
  if (Array.isArray(steps) && steps.every((p) => typeof p === 'string' && /^\d+(\.\d+)?%$/.test(p))) {
    const values = steps.map((p: string) => Number(p.slice(0, -1)));
    const bad = values.findIndex((v, i) => v <= 0 || (i > 0 && v <= (values[i - 1] ?? 0)));
    if (bad >= 0) {
      out.push(rawIssue('SLW_CONFIG_CANARY_STEPS', [...path, 'steps', bad], `canary steps must be above 0% and increase (step ${bad + 1} is ${steps[bad]})`));
    }
    for (const key of ['minHold', 'minRequests'] as const) {
      const list = canary[key];
      if (Array.isArray(list) && list.length !== steps.length) {
        out.push(rawIssue('SLW_CONFIG_CANARY_STEPS', [...path, key], `${key} has ${list.length} values for ${steps.length} steps; give one per step, or a single value for all`));
      }
    }
  }
  return out;
}

async function sourceIssues(name: string, service: Record<string, unknown>, dir: string): Promise<RawIssue[]> {
  const source = service['source'] ?? '.';
  if (typeof source !== 'string' || source === '') return [];
  const full = resolve(dir, source);
  const isDir = await stat(full).then((s) => s.isDirectory(), () => false);
  if (isDir) return [];
  return [rawIssue('SLW_CONFIG_SOURCE_MISSING', ['services', name, 'source'], `source directory ${full} does not exist (or is not a directory)`)];
}

function routeConflicts(services: [string, unknown][]): RawIssue[] {
  const owners = new Map<string, string>();
  const out: RawIssue[] = [];
  for (const [name, service] of services) {
    const routes = isPlainObject(service) ? service['routes'] : undefined;
    if (!Array.isArray(routes)) continue;
    const own = new Set<string>();
    routes.forEach((route: unknown, i) => {
      if (!isPlainObject(route) || typeof route['host'] !== 'string') return;
      const path = typeof route['path'] === 'string' ? route['path'] : '/';
      const key = `${route['host']}${path}`;
      const owner = owners.get(key);
      if (owner !== undefined && owner !== name) {
        out.push(rawIssue('SLW_CONFIG_ROUTE_CONFLICT', ['services', name, 'routes', i], `route ${key} is already served by service "${owner}"`));
      }
      own.add(key);
    });
    for (const key of own) if (!owners.has(key)) owners.set(key, name);
  }
  return out;
}

/** `dependsOn`: every name a service of the file, and no circle (each circle reported once, where it closes). */
function dependencyIssues(services: readonly [string, unknown][]): RawIssue[] {
  const names = new Set(services.map(([name]) => name));
  const edges = new Map<string, string[]>();
  const issues: RawIssue[] = [];
  for (const [name, service] of services) {
    const list = isPlainObject(service) && Array.isArray(service['dependsOn']) ? service['dependsOn'] : [];
    const known: string[] = [];
    list.forEach((dep: unknown, i: number) => {
      if (typeof dep !== 'string') return;
      if (names.has(dep)) known.push(dep);
      else issues.push(rawIssue('SLW_CONFIG_UNKNOWN_DEPENDENCY', ['services', name, 'dependsOn', i], `services.${name} depends on "${dep}", which is not a service of this file`));
    });
    edges.set(name, known);
  }
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'open') {
      const circle = [...path.slice(path.indexOf(name)), name];
      const closer = path[path.length - 1] ?? name;
      issues.push(rawIssue('SLW_CONFIG_DEPENDENCY_CYCLE', ['services', closer, 'dependsOn'], `services depend on each other in a circle: ${circle.join(' → ')}`));
      return;
    }
    state.set(name, 'open');
    path.push(name);
    for (const dep of edges.get(name) ?? []) visit(dep);
    path.pop();
    state.set(name, 'done');
  };
  for (const [name] of services) visit(name);
  return issues;
}

/** A volume appears inside the release: a relative path that stays inside it, and is not the release itself. */
function volumeIssues(name: string, service: Record<string, unknown>): RawIssue[] {
  const volumes = service['volumes'];
  if (!isPlainObject(volumes)) return [];
  const out: RawIssue[] = [];
  for (const [volume, spec] of Object.entries(volumes)) {
    const path = isPlainObject(spec) ? spec['path'] : undefined;
    if (typeof path !== 'string') continue;
    const clean = posix.normalize(path);
    if (posix.isAbsolute(path) || clean === '..' || clean.startsWith('../') || clean === '.' || clean === './') {
      out.push(rawIssue('SLW_CONFIG_VOLUME_PATH', ['services', name, 'volumes', volume, 'path'], `volume ${volume} of ${name} has path "${path}", which is not a place inside the release`));
    }
  }
  return out;
}

/** A worker has no routes; a web service is checked over HTTP (the proxy checks it so too); one check per service. */
function kindIssues(name: string, service: Record<string, unknown>): RawIssue[] {
  const out: RawIssue[] = [];
  const worker = service['kind'] === 'worker';
  const routes = service['routes'];
  if (worker && Array.isArray(routes) && routes.length > 0) {
    out.push(rawIssue('SLW_CONFIG_WORKER_ROUTES', ['services', name, 'routes'], `${name} is a worker, which takes no traffic, but has routes`));
  }
  out.push(...accessoryIssues(name, service));
  if (service['replace'] !== undefined && !worker) out.push(rawIssue('SLW_CONFIG_REPLACE_KIND', ['services', name, 'replace'], `${name} is not a worker: \`replace\` chooses how a worker's instances are replaced`));
  const notWeb = worker || service['kind'] === 'accessory';
  const health = service['health'];
  if (!isPlainObject(health)) return out;
  const readiness = isPlainObject(health['readiness']) ? health['readiness'] : health;
  const at = ['services', name, 'health', ...(readiness === health ? [] : ['readiness'])];
  const given = checksOf(readiness);
  if (given.length > 1) {
    out.push(rawIssue('SLW_CONFIG_HEALTH_KIND', [...at, given[1] ?? 'path'], `health of ${name} has ${given.join(' and ')}: give one check`));
  } else if (!notWeb && (readiness['tcp'] !== undefined || readiness['command'] !== undefined)) {
    out.push(rawIssue('SLW_CONFIG_HEALTH_KIND', [...at, readiness['tcp'] !== undefined ? 'tcp' : 'command'], `${name} is a web service: the proxy checks it over HTTP, so its health is a path`));
  }
  const liveness = health['liveness'];
  if (!isPlainObject(liveness)) return out;
  const live = checksOf(liveness);
  const livePath = ['services', name, 'health', 'liveness'];
  if (live.length > 1) out.push(rawIssue('SLW_CONFIG_HEALTH_KIND', [...livePath, live[1] ?? 'path'], `health.liveness of ${name} has ${live.join(' and ')}: give one check`));
  if (live.length === 0 && notWeb && given.length === 0) {
    out.push(rawIssue('SLW_CONFIG_HEALTH_KIND', livePath, `health.liveness of ${name} names no check, and its readiness is only "running": give the liveness a path, tcp: true or a command`));
  }
  return out;
}

/** The checks a health block names (one is right). */
function checksOf(check: Record<string, unknown>): ('path' | 'tcp' | 'command')[] {
  return (['path', 'tcp', 'command'] as const).filter((k) => check[k] !== undefined);
}

/** An accessory is one instance restarted in place: no routes, no second instance, no canary. */
function accessoryIssues(name: string, service: Record<string, unknown>): RawIssue[] {
  if (service['kind'] !== 'accessory') return [];
  const out: RawIssue[] = [];
  const routes = service['routes'];
  if (Array.isArray(routes) && routes.length > 0) out.push(rawIssue('SLW_CONFIG_ACCESSORY_SHAPE', ['services', name, 'routes'], `${name} is an accessory, which takes no routed traffic, but has routes`));
  if (typeof service['instances'] === 'number' && service['instances'] !== 1) out.push(rawIssue('SLW_CONFIG_ACCESSORY_SHAPE', ['services', name, 'instances'], `${name} is an accessory, which runs one instance, but asks for ${service['instances']}`));
  if (service['strategy'] !== undefined && service['strategy'] !== 'blue-green') out.push(rawIssue('SLW_CONFIG_ACCESSORY_SHAPE', ['services', name, 'strategy'], `${name} is an accessory, restarted in place: it has no canary`));
  return out;
}
