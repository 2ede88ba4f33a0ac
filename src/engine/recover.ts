import { SlipwayError } from '../errors.js';
import type { EngineContext } from './context.js';
import { assertDeploymentTransition, type DeploymentState } from './deployment-state.js';
import { DEPLOY_PLANS } from './blue-green.js';
import { ROLLBACK } from './rollback.js';
import { crashDirection, type StrategyPlan } from './step-plan.js';

/** Which way a deployment interrupted in `state` goes, read from the plans the forward path runs. */
export function recoveryDirection(state: DeploymentState): ReturnType<typeof crashDirection> {
  return crashDirection([...DEPLOY_PLANS, ROLLBACK] as readonly StrategyPlan<never>[], state);
}
import { settleInterruptedStacks } from './stack-deploy.js';
import { leftDown, restoreInPlace } from './in-place-recovery.js';
import { setInstanceState } from './instance-ops.js';
import { isStale } from './lock.js';
import type { DeploymentRecord } from './records.js';

export interface RecoveryReport {
  readonly adopted: string[];
  readonly lost: string[];
  readonly strays: string[];
  readonly deployments: { id: string; outcome: 'succeeded' | 'reverted' }[];
  readonly lockReleased: boolean;
}

/**
 * Boot: re-adopt running instances, stop strays, finish or revert interrupted deployments,
 * free a stale lock, then publish the table the state implies (desired = actual).
 */
export async function recover(ctx: EngineContext, proxyVersion: number): Promise<RecoveryReport> {
  const { deps } = ctx;
  const report: RecoveryReport = { adopted: [], lost: [], strays: [], deployments: [], lockReleased: false };
  const known = new Set<string>();
  for (const instance of deps.store.instances({ live: true })) {
    const { handle } = instance;
    if (handle && (await deps.drivers.of(handle).adopt(handle))) {
      known.add(instance.id);
      report.adopted.push(instance.id);
    } else if (handle) {
      setInstanceState(deps, instance, 'failed', { lastExit: 'exited while the daemon was down' });
      report.lost.push(instance.id);
    } else {
      setInstanceState(deps, instance, 'failed', { lastExit: 'start interrupted' });
      report.lost.push(instance.id);
    }
  }
  for (const id of deps.otherProjectsInstances?.() ?? []) known.add(id);
  for (const stray of await deps.drivers.findStrays(known)) {
    await deps.drivers.of(stray).stop(stray, { graceMs: 5000 });
    report.strays.push(stray.id);
  }
  for (const deployment of deps.store.deployments({ open: true })) {
    // A canary in progress carries on (the engine resumes it); everything else settles now.
    if (recoveryDirection(deployment.state) === 'resume') continue;
    // An in-place deploy (accessory, stop-first worker) had stopped the old instances: bring the service back.
    const outcome = leftDown(ctx, deployment) ? await restoreInPlace(ctx, deployment) : settle(ctx, deployment);
    report.deployments.push({ id: deployment.id, outcome });
  }
  settleInterruptedStacks(deps);
  // No build runs at boot: a release still marked building was abandoned by a crash.
  for (const service of deps.store.services()) {
    for (const release of deps.store.releases(service.name)) {
      if (release.status === 'building') {
        deps.store.transact({ kind: 'release.failed', data: { id: release.id, reason: 'build interrupted' } }, (tx) =>
          tx.putRelease({ ...release, status: 'failed' }),
        );
      }
    }
  }
  const lock = deps.store.lock();
  if (lock && (isStale(lock, deps.now()) || lock.pid !== process.pid)) {
    deps.lock.forceRelease('owner gone (daemon restarted)');
    (report as { lockReleased: boolean }).lockReleased = true;
  }
  ctx.publisher.raiseVersion(proxyVersion);
  await ctx.publisher.publish('recovery');
  return report;
}

function settle(ctx: EngineContext, d: DeploymentRecord): 'succeeded' | 'reverted' {
  const { deps } = ctx;
  const direction = recoveryDirection(d.state);
  const endedAt = new Date(deps.now()).toISOString();
  if (direction === 'finish') {
    assertDeploymentTransition(d.id, d.state, 'succeeded');
    deps.store.transact({ deploymentId: d.id, kind: 'deployment.succeeded', data: { recovered: true } }, (tx) =>
      tx.putDeployment({ ...d, state: 'succeeded', endedAt, reason: 'finished after a daemon restart' }),
    );
    return 'succeeded';
  }
  const error = new SlipwayError('SLW_DEPLOY_INTERRUPTED', `Deployment ${d.id} was interrupted during ${d.state} and reverted.`);
  const switched = d.state === 'switching' || d.state === 'watching' || d.state === 'reverting';
  assertDeploymentTransition(d.id, d.state, 'reverted');
  deps.store.transact({ deploymentId: d.id, kind: 'deployment.reverted', data: { recovered: true, from: d.state } }, (tx) => {
    if (switched) {
      tx.putService({ name: d.service, activeRelease: d.fromRelease, previousRelease: d.priorPrevious, warmUntil: d.priorWarmUntil });
    }
    tx.putDeployment({ ...d, state: 'reverted', endedAt, reason: error.message, errorCode: error.code });
  });
  // Instances it started belong to no protected release now: the reaper drains and stops them.
  return 'reverted';
}
