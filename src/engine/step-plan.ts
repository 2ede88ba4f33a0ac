import type { DeploymentRun } from './deployment-run.js';
import type { DeploymentState, DeployStep } from './deployment-state.js';
import type { OperationResult } from './outcome.js';
import type { DeploymentRecord } from './records.js';

/** What recovery does with a deployment whose daemon died while it was in a step. */
export type OnCrash = 'revert' | 'finish' | 'resume';

/**
 * One step of a strategy: the deployment state journaled before it runs (with what `enter`
 * adds to the record), what it does, and which way crash recovery takes a deployment that was
 * in it. A step returns an OperationResult to end the deployment there.
 */
export interface PlanStep<C> {
  readonly name: DeployStep | 'revert';
  readonly state: DeploymentState;
  readonly onCrash: OnCrash;
  /** Skipped when this says no (a backup nobody configured, a start the warm release does not need). */
  readonly when?: (c: C) => boolean;
  /** Record fields journaled with the state change into this step. */
  readonly enter?: (c: C) => Promise<Partial<DeploymentRecord>> | Partial<DeploymentRecord>;
  run(c: C): Promise<OperationResult | undefined>;
  /** The progress line's detail once the step is done. */
  readonly detail?: (c: C) => string | undefined;
  /** false: the step reports its own progress (a canary's steps), so the runner does not time it. */
  readonly timed?: false;
}

export interface StrategyPlan<C> {
  readonly name: 'blue-green' | 'canary' | 'rollback';
  readonly steps: readonly PlanStep<C>[];
}

/**
 * The forward path of every strategy: each step's state journaled (checked against the
 * deployment transition table), the step run and timed, until one ends the deployment or the
 * plan is done. Errors go to the caller, which reverts according to the state they left.
 */
export async function runPlan<C>(run: DeploymentRun, plan: StrategyPlan<C>, c: C): Promise<OperationResult | undefined> {
  for (const step of plan.steps) {
    if (step.when && !step.when(c)) continue;
    if (run.record.state !== step.state || step.enter) run.setState(step.state, step.enter ? await step.enter(c) : {});
    let result: OperationResult | undefined;
    if (step.timed === false) {
      run.throwIfCancelled();
      result = await step.run(c);
    } else {
      result = await run.step(step.name, () => step.run(c), step.detail ? () => step.detail?.(c) : undefined);
    }
    if (result) return result;
  }
  return undefined;
}

/**
 * Which way recovery takes a deployment in `state`, read from the plans themselves (every plan
 * must agree on a state; a unit test holds them to it). States no step journals: reverting goes
 * back, outcomes need nothing.
 */
export function crashDirection(plans: readonly StrategyPlan<never>[], state: DeploymentState): OnCrash | 'none' {
  for (const plan of plans) {
    const step = plan.steps.find((s) => s.state === state);
    if (step) return step.onCrash;
  }
  return state === 'succeeded' || state === 'failed' || state === 'reverted' ? 'none' : 'revert';
}
