import { SlipwayError } from '../errors.js';

/**
 * A deployment is one attempt to move a service to a release. Its state is journaled
 * step by step; boot recovery decides from it whether to finish or revert.
 */
export type DeploymentKind = 'deploy' | 'rollback';

export type DeploymentState =
  | 'pending' // lock held, nothing built yet
  | 'building' // snapshot + build
  | 'starting' // new instances starting and being health-gated
  | 'switching' // table swap requested (may or may not be applied)
  | 'watching' // traffic on the new release, judged against the old
  | 'canary' // traffic split between the old and the new release, step by step
  | 'reverting' // flipping back to the old release
  | 'committed' // new release accepted; old instances going warm
  | 'succeeded'
  | 'failed'
  | 'reverted';

export type DeploymentOutcome = 'succeeded' | 'failed' | 'reverted';

/**
 * The forward moves of a deployment. Any state that is not an outcome may also end `failed` or
 * `reverted` (an error, a cancel, or recovery after a crash); an outcome is final. A state may
 * be journaled again with new details (a canary's next step, the switch's service record).
 */
const FORWARD: Readonly<Record<DeploymentState, readonly DeploymentState[]>> = {
  // pending → committed: an accessory whose config did not change keeps running (nothing to do).
  pending: ['building', 'starting', 'switching', 'committed'],
  building: ['starting'],
  starting: ['switching', 'canary'],
  switching: ['watching', 'committed', 'reverting'],
  watching: ['committed', 'reverting'],
  canary: ['committed', 'reverting'],
  reverting: [],
  committed: ['succeeded'],
  succeeded: [],
  failed: [],
  reverted: [],
};

export function canTransition(from: DeploymentState, to: DeploymentState): boolean {
  if (isTerminal(from)) return false;
  return from === to || to === 'failed' || to === 'reverted' || FORWARD[from].includes(to);
}

export function assertDeploymentTransition(id: string, from: DeploymentState, to: DeploymentState): void {
  if (!canTransition(from, to)) {
    throw new SlipwayError('SLW_ENGINE_BAD_TRANSITION', `Deployment ${id} cannot go from ${from} to ${to}.`);
  }
}

export function isTerminal(state: DeploymentState): state is DeploymentOutcome {
  return state === 'succeeded' || state === 'failed' || state === 'reverted';
}

/** Engine steps, in order; crash points are named after them (SLIPWAY_CRASH_AT). */
export const DEPLOY_STEPS = ['lock', 'plan', 'backup', 'build', 'start', 'health-gate', 'switch', 'watch', 'drain', 'record'] as const;
/** Steps of a canary after the health gate (crash points too). */
export const CANARY_STEPS = ['canary', 'promote'] as const;
/** Steps that run only when the service asks for them (`release:`). */
export const HOOK_STEPS = ['release'] as const;
export type DeployStep = (typeof DEPLOY_STEPS)[number] | (typeof CANARY_STEPS)[number] | (typeof HOOK_STEPS)[number];
