import type { PlanState } from '../api/schemas.js';
import { planSideOf } from '../config/plan.js';
import type { EngineDeps } from './deps.js';
import type { ReleaseSpec } from './records.js';

/** A release's settings as plan compares them: env values with secret references only as hashes. */
export function planSideOfRelease(spec: ReleaseSpec): ReleaseSide {
  // A fresh object whose arrays are only typed readonly; its shape is checked by the response schema on the way out.
  return planSideOf(spec) as ReleaseSide;
}

type ReleaseSide = NonNullable<PlanState['services'][number]['active']>['side'];

/** Each service's active release (or one service's), read-only, for `slipway plan`. */
export function activeReleases(deps: EngineDeps, service: string | undefined): PlanState['services'] {
  return deps.store
    .services()
    .filter((s) => service === undefined || s.name === service)
    .map((s) => {
      const release = s.activeRelease ? deps.store.release(s.name, s.activeRelease) : undefined;
      if (!release) return { name: s.name };
      return {
        name: s.name,
        active: {
          id: release.id,
          createdAt: release.createdAt,
          ...(release.commit ? { commit: release.commit } : {}),
          dirty: release.dirty,
          ...(release.contentHash ? { contentHash: release.contentHash } : {}),
          side: planSideOfRelease(release.spec),
        },
      };
    });
}
