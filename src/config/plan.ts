/**
 * What a deploy would change, as data: a service's settings on each side (the active release
 * or one environment of the config) and a pure diff between two sides. Env values are
 * compared as shown (src/secrets/shown-value.ts): a value with secret references only as a
 * hash of the value as written, so no secret value is ever read, compared or printed.
 */
import type { ServiceSpec } from './model.js';
import { showEnv, type ShownValue } from '../secrets/shown-value.js';
import { displayServiceRefs } from './service-refs.js';

export interface PlanRoute {
  readonly host: string;
  readonly path: string;
}

/** The settings of one service that plan and diff compare. */
export interface PlanSide {
  readonly run: readonly string[];
  readonly env: Readonly<Record<string, ShownValue>>;
  readonly instances: number;
  readonly health: {
    readonly path: string;
    readonly intervalMs: number;
    readonly timeoutMs: number;
    readonly rise: number;
    readonly fall: number;
    readonly startTimeoutMs: number;
  };
  readonly routes: readonly PlanRoute[];
  readonly drainMs: number;
  readonly keepWarmMs: number;
  readonly watchMs: number;
  readonly stopTimeoutMs: number;
  /** Undefined: not recorded (a release built before slipway recorded it). */
  readonly strategy?: 'blue-green' | 'canary' | undefined;
  /** The source directory (config sides only; a release keeps its snapshot, not the path). */
  readonly source?: string | undefined;
}

export interface EnvChange {
  readonly key: string;
  readonly from?: ShownValue;
  readonly to?: ShownValue;
}

/** A setting that differs (instances, health.*, strategy, run, drain, …). */
export interface SettingChange {
  readonly field: string;
  readonly from: string | number | undefined;
  readonly to: string | number | undefined;
}

export interface SideDiff {
  readonly env: { readonly added: readonly EnvChange[]; readonly changed: readonly EnvChange[]; readonly removed: readonly EnvChange[] };
  readonly routes: { readonly added: readonly PlanRoute[]; readonly removed: readonly PlanRoute[] };
  readonly instances: { readonly from: number | undefined; readonly to: number | undefined };
  readonly settings: readonly SettingChange[];
}

/** What both a service of the config and a built release carry of the settings plan compares. */
export type PlannedSettings = Omit<PlanSide, 'env'> & { readonly env: Readonly<Record<string, string>> };

/** The one projection of settings for plan and diff: a config service (with its source) or a release spec. */
export function planSideOf(spec: PlannedSettings | ServiceSpec): PlanSide {
  return {
    run: spec.run.map(displayServiceRefs),
    env: showEnv(Object.fromEntries(Object.entries(spec.env).map(([k, v]) => [k, displayServiceRefs(v)]))),
    instances: spec.instances,
    health: { ...spec.health },
    routes: spec.routes.map((r) => ({ host: r.host, path: r.path })),
    drainMs: spec.drainMs,
    keepWarmMs: spec.keepWarmMs,
    watchMs: spec.watchMs,
    stopTimeoutMs: spec.stopTimeoutMs,
    ...(spec.strategy ? { strategy: spec.strategy } : {}),
    ...(spec.source !== undefined ? { source: spec.source } : {}),
  };
}

const sameShown = (a: ShownValue, b: ShownValue): boolean =>
  a.kind === 'plain' ? b.kind === 'plain' && a.value === b.value : b.kind === 'secret' && a.hash === b.hash;

function diffEnv(from: PlanSide['env'], to: PlanSide['env']): SideDiff['env'] {
  const added: EnvChange[] = [];
  const changed: EnvChange[] = [];
  const removed: EnvChange[] = [];
  for (const key of Object.keys(to).sort()) {
    const a = from[key];
    const b = to[key] as ShownValue;
    if (!a) added.push({ key, to: b });
    else if (!sameShown(a, b)) changed.push({ key, from: a, to: b });
  }
  for (const key of Object.keys(from).sort()) if (!(key in to)) removed.push({ key, from: from[key] as ShownValue });
  return { added, changed, removed };
}

const routeKey = (r: PlanRoute): string => `${r.host}${r.path}`;

function diffRoutes(from: readonly PlanRoute[], to: readonly PlanRoute[]): SideDiff['routes'] {
  const before = new Set(from.map(routeKey));
  const after = new Set(to.map(routeKey));
  return { added: to.filter((r) => !before.has(routeKey(r))), removed: from.filter((r) => !after.has(routeKey(r))) };
}

/** Scalar settings by field name; undefined on a side that does not record them. */
function settingsOf(side: PlanSide): Record<string, string | number | undefined> {
  return {
    run: side.run.join(' '),
    instances: side.instances,
    strategy: side.strategy,
    ...Object.fromEntries(Object.entries(side.health).map(([k, v]) => [`health.${k}`, v])),
    drainMs: side.drainMs,
    keepWarmMs: side.keepWarmMs,
    watchMs: side.watchMs,
    stopTimeoutMs: side.stopTimeoutMs,
    source: side.source,
  };
}

function diffSettings(from: PlanSide, to: PlanSide): SettingChange[] {
  const a = settingsOf(from);
  const b = settingsOf(to);
  // A side that does not record a field (a release has no source path; an old one no strategy) is not a change.
  return Object.keys(b)
    .filter((field) => a[field] !== undefined && b[field] !== undefined && a[field] !== b[field])
    .map((field) => ({ field, from: a[field], to: b[field] }));
}

/** The changes from one side to the other; `from` undefined: everything is new (`to` undefined: all gone). */
export function diffSides(from: PlanSide | undefined, to: PlanSide | undefined): SideDiff {
  return {
    env: diffEnv(from?.env ?? {}, to?.env ?? {}),
    routes: diffRoutes(from?.routes ?? [], to?.routes ?? []),
    instances: { from: from?.instances, to: to?.instances },
    settings: from && to ? diffSettings(from, to) : [],
  };
}

export function isEmptyDiff(d: SideDiff): boolean {
  const { env, routes } = d;
  return env.added.length + env.changed.length + env.removed.length + routes.added.length + routes.removed.length + d.settings.length === 0;
}

/** What a deploy would snapshot: a git commit (dirty: changes HEAD does not hold), or a folder copy. */
export type SourceState = { readonly kind: 'git'; readonly commit: string; readonly dirty: boolean } | { readonly kind: 'folder'; readonly contentHash?: string | undefined };

/** The service's active release, as the daemon recorded it. */
export interface ActiveRelease {
  readonly id: string;
  readonly createdAt: string;
  readonly commit?: string | undefined;
  readonly dirty: boolean;
  /** A folder snapshot's content hash (undefined: git, or built before it was kept). */
  readonly contentHash?: string | undefined;
  readonly side: PlanSide;
}

export interface ServicePlan {
  readonly service: string;
  /** new: no active release; changed: the config or the committed source differs; unchanged: neither. */
  readonly status: 'new' | 'changed' | 'unchanged';
  readonly release: {
    readonly next: SourceState;
    readonly active?: { readonly id: string; readonly createdAt: string; readonly commit?: string; readonly dirty: boolean; readonly contentHash?: string };
    /** same/changed: commits (git) or content hashes (folders) compared; unknown: a release built before content hashes were kept. */
    readonly source: 'new' | 'same' | 'changed' | 'unknown';
  };
  readonly changes: SideDiff;
}

function sourceChange(next: SourceState, active: ActiveRelease | undefined): ServicePlan['release']['source'] {
  if (!active) return 'new';
  // Like with like: a folder's content hash, a git commit; across kinds (or a release built before content hashes were kept) it cannot tell.
  if (next.kind === 'folder') {
    if (active.contentHash === undefined || next.contentHash === undefined) return 'unknown';
    return next.contentHash === active.contentHash ? 'same' : 'changed';
  }
  if (active.commit === undefined) return 'unknown';
  return next.commit === active.commit && !next.dirty && !active.dirty ? 'same' : 'changed';
}

/** The plan of one service: the config side against its active release (undefined: none yet). */
export function planService(service: string, next: PlanSide, source: SourceState, active: ActiveRelease | undefined): ServicePlan {
  const changes = diffSides(active?.side, next);
  const src = sourceChange(source, active);
  const status = !active ? 'new' : src === 'changed' || !isEmptyDiff(changes) ? 'changed' : 'unchanged';
  return {
    service,
    status,
    release: {
      next: source,
      ...(active ? { active: { id: active.id, createdAt: active.createdAt, ...(active.commit ? { commit: active.commit } : {}), dirty: active.dirty, ...(active.contentHash ? { contentHash: active.contentHash } : {}) } } : {}),
      source: src,
    },
    changes,
  };
}

export interface EnvironmentDiff {
  readonly service: string;
  /** added: only in B; removed: only in A. */
  readonly status: 'added' | 'removed' | 'changed' | 'same';
  readonly changes: SideDiff;
}

/** `slipway diff A B`: every service of either environment, in A's order then B's new ones. */
export function diffEnvironments(a: Readonly<Record<string, PlanSide>>, b: Readonly<Record<string, PlanSide>>): EnvironmentDiff[] {
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return names.map((service) => {
    const from = a[service];
    const to = b[service];
    const changes = diffSides(from, to);
    const status = !from ? 'added' : !to ? 'removed' : isEmptyDiff(changes) ? 'same' : 'changed';
    return { service, status, changes };
  });
}
