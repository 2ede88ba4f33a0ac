import { SlipwayError } from '../errors.js';
import type { CanaryProgress } from './records.js';
import type { EngineDeps } from './deps.js';

export type CanaryAction = 'promote' | 'abort' | 'pause' | 'resume';

/** What `slipway canary status` shows of a canary in progress. */
export interface CanaryStatus {
  readonly service: string;
  readonly deploymentId: string;
  readonly stable: string;
  readonly canary: string;
  readonly step: number;
  readonly steps: number;
  readonly weight: number;
  readonly paused: boolean;
  readonly note: string | undefined;
  /** Time in the current step, when this daemon is judging it. */
  readonly stepMs: number | undefined;
  /** The judge's latest evidence per test as a share of its rollback threshold (1 = roll back); absent before its first verdict. */
  readonly evidence: { readonly errors: number; readonly p95: number; readonly p99: number } | undefined;
}

/**
 * Requests from `slipway canary promote|abort|pause|resume`: journaled on the deployment
 * record (so a restarted daemon honours them) and read by the canary loop each second.
 */
export function requestCanaryAction(deps: EngineDeps, service: string, action: CanaryAction): CanaryProgress {
  const open = deps.store.deployments({ service, open: true }).find((d) => d.state === 'canary' && d.canary);
  if (!open?.canary) {
    throw new SlipwayError('SLW_NO_CANARY', `Service ${service} has no canary in progress.`);
  }
  const progress: CanaryProgress = {
    ...open.canary,
    ...(action === 'pause' ? { paused: true } : {}),
    ...(action === 'resume' ? { paused: false } : {}),
    ...(action === 'promote' ? { promote: true } : {}),
    ...(action === 'abort' ? { abort: true } : {}),
  };
  deps.store.transact({ deploymentId: open.id, kind: `canary.${action}` }, (tx) => tx.putDeployment({ ...open, canary: progress }));
  return progress;
}

/** The canary's journaled progress, re-read each second (actions arrive through the store). */
export function currentProgress(deps: EngineDeps, deploymentId: string): CanaryProgress | undefined {
  return deps.store.deployment(deploymentId)?.canary;
}
