import type { PlanState } from '../api/schemas.js';
import { showEnv } from '../secrets/shown-value.js';
import type { EngineDeps } from './deps.js';
import type { ReleaseSpec } from './records.js';

/** A release's settings as plan compares them: env values with secret references only as hashes. */
export function planSideOfRelease(spec: ReleaseSpec): NonNullable<PlanState['services'][number]['active']>['side'] {
  return {
    run: [...spec.run],
    env: showEnv(spec.env),
    instances: spec.instances,
    health: { ...spec.health },
    routes: spec.routes.map((r) => ({ host: r.host, path: r.path })),
    drainMs: spec.drainMs,
    keepWarmMs: spec.keepWarmMs,
    watchMs: spec.watchMs,
    stopTimeoutMs: spec.stopTimeoutMs,
    ...(spec.strategy ? { strategy: spec.strategy } : {}),
  };
}

/** Each service's active release (or one service's), read-only, for `slipway plan`. */
export function activeReleases(deps: EngineDeps, service: string | undefined): PlanState['services'] {
  return deps.store
    .services()
    .filter((s) => service === undefined || s.name === service)
    .map((s) => {
      const release = s.activeRelease ? deps.store.release(s.activeRelease) : undefined;
      if (!release) return { name: s.name };
      return {
        name: s.name,
        active: {
          id: release.id,
          createdAt: release.createdAt,
          ...(release.commit ? { commit: release.commit } : {}),
          dirty: release.dirty,
          side: planSideOfRelease(release.spec),
        },
      };
    });
}
