/**
 * Boot, after an in-place deploy (an accessory, a stop-first worker, or the rollback of one) the
 * daemon died in: the deployment had stopped the old instances, and its new ones may be running.
 * Reverting the record alone would leave the service down. A new release whose instances run and
 * pass their check takes over (the deployment finishes); otherwise they are stopped and the
 * previous release starts again on the ports it had.
 */
import { SlipwayError, toSlipwayError } from '../errors.js';
import type { EngineContext } from './context.js';
import { assertDeploymentTransition, type DeploymentState } from './deployment-state.js';
import { gateInstances } from './health-gate.js';
import { isRunning } from './instance-ops.js';
import { isLive } from './instance-state.js';
import type { DeploymentRecord, InstanceRecord, ReleaseRecord } from './records.js';
import { startInstance } from './start-instances.js';
import { stopUnused } from './stop-instance.js';
import type { StoreWriter } from './store.js';

/** How long a recovered new instance gets to pass its check at boot, at most. */
const RECHECK_MS = 15_000;

/** Old instances this deployment stopped (journaled under its id), when the service's active release has none left running. */
function stoppedByIt(ctx: EngineContext, d: DeploymentRecord): InstanceRecord[] {
  const { deps } = ctx;
  if (!d.fromRelease || !d.releaseId || d.fromRelease === d.releaseId) return [];
  // Before the switch the old release is still the active one; after it (switching, watching), the new one.
  const active = deps.store.service(d.service)?.activeRelease;
  if (active !== d.fromRelease && active !== d.releaseId) return [];
  const old = deps.store.instances({ service: d.service, releaseId: d.fromRelease });
  if (old.some((i) => isLive(i.state))) return [];
  const stopped = new Set(
    deps.store
      .journal({ deploymentId: d.id })
      .filter((e) => e.kind === 'instance.stopped')
      .map((e) => (e.data as { id?: string } | null)?.id),
  );
  return old.filter((i) => i.state === 'stopped' && stopped.has(i.id));
}

/** Is this interrupted deployment an in-place one that left its service down? */
export function leftDown(ctx: EngineContext, d: DeploymentRecord): boolean {
  return (d.state === 'starting' || d.state === 'switching' || d.state === 'watching' || d.state === 'reverting') && stoppedByIt(ctx, d).length > 0;
}

/** Brings the service of an interrupted in-place deployment back; returns how the deployment ended. */
export async function restoreInPlace(ctx: EngineContext, d: DeploymentRecord): Promise<'succeeded' | 'reverted'> {
  // The reaper runs meanwhile: neither release may be taken for unwanted (a worker's previous one is never warm).
  const unprotect = ctx.protect(d.service, [d.fromRelease, d.releaseId]);
  try {
    return await restore(ctx, d);
  } finally {
    unprotect();
  }
}

async function restore(ctx: EngineContext, d: DeploymentRecord): Promise<'succeeded' | 'reverted'> {
  const { deps } = ctx;
  const old = stoppedByIt(ctx, d);
  const release = deps.store.release(d.service, d.releaseId ?? '');
  const previous = deps.store.release(d.service, d.fromRelease ?? '');
  const fresh = deps.store.instances({ service: d.service, releaseId: d.releaseId ?? '' }).filter((i) => i.createdBy === d.id && isLive(i.state));
  if (release && fresh.length > 0 && (await passes(ctx, fresh, release))) {
    const fromSpec = previous?.spec;
    end(ctx, d, 'succeeded', 'finished after a daemon restart: the new instance runs and passes its check', undefined, (tx) =>
      tx.putService({ name: d.service, activeRelease: release.id, previousRelease: d.fromRelease, warmUntil: fromSpec ? deps.now() + fromSpec.keepWarmMs : undefined }),
    );
    return 'succeeded';
  }
  await stopUnused(deps, deps.store.instances({ service: d.service, releaseId: d.releaseId ?? '' }).filter((i) => i.createdBy === d.id), d.id);
  let detail = 'the previous release was started again on its port';
  if (previous) {
    try {
      const started: InstanceRecord[] = [];
      for (const i of old) started.push(await startInstance(deps, previous, d.id, i.port));
      await gateInstances(deps, started, previous.spec.health, d.id);
    } catch (err) {
      // The supervisor keeps restarting the active release's failed instances.
      detail = `the previous release did not pass its check on restart: ${toSlipwayError(err).message}`;
    }
  }
  const error = new SlipwayError('SLW_DEPLOY_INTERRUPTED', `Deployment ${d.id} was interrupted during ${d.state} and reverted: ${detail}.`);
  end(ctx, d, 'reverted', error.message, error.code, (tx) =>
    tx.putService({ name: d.service, activeRelease: d.fromRelease, previousRelease: d.priorPrevious, warmUntil: d.priorWarmUntil }),
  );
  return 'reverted';
}

/** Do the running new instances pass their check now (within a short deadline)? */
async function passes(ctx: EngineContext, instances: readonly InstanceRecord[], release: ReleaseRecord): Promise<boolean> {
  const alive = await Promise.all(instances.map((i) => isRunning(ctx.deps, i)));
  if (alive.some((a) => !a)) return false;
  const health = { ...release.spec.health, startTimeoutMs: Math.min(release.spec.health.startTimeoutMs, RECHECK_MS) };
  return gateInstances(ctx.deps, instances, health, undefined).then(
    () => true,
    () => false,
  );
}

function end(
  ctx: EngineContext,
  d: DeploymentRecord,
  outcome: 'succeeded' | 'reverted',
  reason: string,
  errorCode: string | undefined,
  also?: (tx: StoreWriter) => void,
): void {
  // Finishing forward goes the way the plan would have: switch, commit, succeed.
  const forward: DeploymentState[] = d.state === 'watching' ? ['committed', 'succeeded'] : ['switching', 'committed', 'succeeded'];
  const path: DeploymentState[] = outcome === 'succeeded' ? forward : ['reverted'];
  let from = d.state;
  for (const to of path.filter((s) => s !== d.state)) {
    assertDeploymentTransition(d.id, from, to);
    from = to;
  }
  ctx.deps.store.transact({ deploymentId: d.id, kind: `deployment.${outcome}`, data: { recovered: true, from: d.state } }, (tx) => {
    also?.(tx);
    tx.putDeployment({ ...d, state: outcome, endedAt: new Date(ctx.deps.now()).toISOString(), reason, errorCode });
  });
}
