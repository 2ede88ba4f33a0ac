import { createHash } from 'node:crypto';
import { join, relative, resolve } from 'node:path';
import type { ServiceSpec } from '../config/model.js';
import type { EngineDeps } from './deps.js';
import type { ReleaseRecord, ReleaseSpec } from './records.js';
import { mountVolumes } from './volumes.js';
import { withoutSecretRefs } from '../secrets/reference.js';
import { CONTAINER_DRIVER, prepareReleaseImage } from './release-image.js';
import { withoutStackRefs } from './service-refs.js';
import { handToUser } from './service-user.js';

const BUILD_TIMEOUT_MS = 15 * 60_000;

export function releaseSpecOf(spec: ServiceSpec): ReleaseSpec {
  return {
    ...(spec.container ? { driver: CONTAINER_DRIVER } : {}),
    ...(spec.container?.kind === 'image' ? { image: spec.container.image } : {}),
    ...(spec.isolation ? { isolation: { ...spec.isolation, tmpfs: [...spec.isolation.tmpfs], capAdd: [...spec.isolation.capAdd] } } : {}),
    run: [...spec.run],
    env: { ...spec.env },
    instances: spec.instances,
    health: healthOf(spec.health),
    ...(spec.kind === 'worker' || spec.kind === 'accessory' ? { kind: spec.kind } : {}),
    ...(spec.outputs && Object.keys(spec.outputs).length > 0 ? { outputs: { ...spec.outputs } } : {}),
    // A container's user is part of its isolation; a process's is resolved to uid/gid at spawn.
    ...(spec.user === undefined || spec.container ? {} : { user: spec.user }),
    routes: spec.routes.map((r) => ({
      host: r.host,
      path: r.path,
      ...(r.rateLimit === undefined ? {} : { rateLimit: r.rateLimit }),
      ...(r.basicAuth === undefined ? {} : { basicAuth: { realm: r.basicAuth.realm, users: { ...r.basicAuth.users } } }),
      ...(r.allow === undefined ? {} : { allow: [...r.allow] }),
      ...(r.deny === undefined ? {} : { deny: [...r.deny] }),
    })),
    drainMs: spec.drainMs,
    keepWarmMs: spec.keepWarmMs,
    watchMs: spec.watchMs,
    stopTimeoutMs: spec.stopTimeoutMs,
    sticky: spec.canary.sticky ? { ...spec.canary.sticky } : undefined,
    strategy: spec.strategy,
    ...(spec.headers ? { headers: { preset: spec.headers.preset, set: { ...spec.headers.set }, remove: [...spec.headers.remove], ...(spec.headers.paths ? { paths: structuredClone(spec.headers.paths) } : {}) } } : {}),
    ...(spec.compress === undefined ? {} : { compress: spec.compress }),
    ...(spec.metrics ? { metrics: { path: spec.metrics.path } } : {}),
    ...(spec.volumes && Object.keys(spec.volumes).length > 0 ? { volumes: Object.fromEntries(Object.entries(spec.volumes).map(([n, v]) => [n, { path: v.path }])) } : {}),
  };
}

export function configHash(spec: ServiceSpec): string {
  return createHash('sha256').update(JSON.stringify({ ...releaseSpecOf(spec), build: spec.build, ...(spec.container ? { container: spec.container } : {}) })).digest('hex').slice(0, 12);
}

/** Snapshots the source into the release's own directory and runs the build there. */
export async function buildRelease(deps: EngineDeps, spec: ServiceSpec, deploymentId: string, signal?: AbortSignal): Promise<ReleaseRecord> {
  const seq = deps.store.nextReleaseSeq(spec.name);
  const dir = join(releasesRoot(deps), spec.name, `r${seq}`);
  const provisional: ReleaseRecord = {
    id: `r${seq}`,
    service: spec.name,
    seq,
    createdAt: new Date(deps.now()).toISOString(),
    dir,
    commit: undefined,
    dirty: false,
    configHash: configHash(spec),
    spec: releaseSpecOf(spec),
    status: 'building',
  };
  deps.store.transact({ deploymentId, kind: 'release.building', data: { id: provisional.id, dir } }, (tx) => tx.putRelease(provisional));
  try {
    if (spec.container) {
      const image = await prepareReleaseImage(deps, spec, provisional, signal);
      return markReady(deps, deploymentId, { ...provisional, spec: { ...provisional.spec, ...image }, status: 'ready' });
    }
    // The state dir is left out of a source that holds it; a source inside it (a snapshot sent
    // over `--host ssh://`, under uploads/) is taken whole.
    const insideState = !relative(resolve(deps.stateDir), resolve(spec.source)).startsWith('..');
    const snap = await deps.builder.snapshot({ source: spec.source, dest: join(dir, 'app'), exclude: insideState ? [] : [deps.stateDir] });
    if (spec.build) {
      await deps.builder.build({
        argv: spec.build,
        cwd: join(dir, 'app'),
        // Builds get no secrets: variables holding secret references are left out.
        env: { ...deps.baseEnv, ...withoutStackRefs(withoutSecretRefs(spec.env)) },
        logFile: join(dir, 'build.log'),
        timeoutMs: BUILD_TIMEOUT_MS,
        ...(signal ? { signal } : {}),
      });
    }
    // After the build: what the build writes stays in the release; the volume is the app's data.
    if (spec.volumes) await mountVolumes(deps, join(dir, 'app'), spec.volumes);
    if (spec.user !== undefined) await handToUser(deps, spec.user, join(dir, 'app'), Object.keys(spec.volumes ?? {}));
    return markReady(deps, deploymentId, { ...provisional, commit: snap.commit, dirty: snap.dirty ?? false, ...(snap.contentHash ? { contentHash: snap.contentHash } : {}), status: 'ready' });
  } catch (err) {
    deps.store.transact({ deploymentId, kind: 'release.failed', data: { id: provisional.id } }, (tx) =>
      tx.putRelease({ ...provisional, status: 'failed' }),
    );
    // A cancelled deploy stops its build: the cancellation is the reason, not the build.
    // The reason is the SLW_DEPLOY_CANCELLED error DeploymentRun.cancel aborted with.
    throw signal?.aborted ? (signal.reason as unknown) : err;
  }
}

function markReady(deps: EngineDeps, deploymentId: string, ready: ReleaseRecord): ReleaseRecord {
  deps.store.transact({ deploymentId, kind: 'release.ready', data: { id: ready.id, commit: ready.commit } }, (tx) => tx.putRelease(ready));
  return ready;
}

/** Where a project's release folders live (state of before projects: <stateDir>/releases). */
export function releasesRoot(deps: Pick<EngineDeps, 'stateDir' | 'project'>): string {
  return deps.project ? join(deps.stateDir, 'projects', deps.project, 'releases') : join(deps.stateDir, 'releases');
}

/** A release's health check; an HTTP check is written as before other kinds existed (same config hash). */
function healthOf(h: ServiceSpec['health']): ReleaseSpec['health'] {
  const { kind, command, ...http } = h;
  if (kind === undefined || kind === 'http') return { ...http };
  return { ...http, kind, ...(command ? { command: [...command] } : {}) };
}
