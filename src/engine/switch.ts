import type { EngineContext } from './context.js';
import type { DeploymentRun } from './deployment-run.js';

/**
 * Points the service at `to`: journaled (service record) first, then one table swap in the
 * proxy. The release that was active becomes the warm previous one, except a worker's: a
 * warm worker would go on working beside the new one (two consumers of one queue), so it runs
 * only while the deployment does (its watch window) and is stopped once it ends.
 */
export async function switchService(ctx: EngineContext, run: DeploymentRun, to: string, from: string | undefined): Promise<number> {
  const { deps } = ctx;
  const fromRelease = from ? deps.store.release(run.record.service, from) : undefined;
  const keepWarmMs = fromRelease?.spec.kind === 'worker' ? 0 : fromRelease?.spec.keepWarmMs;
  const warmUntil = keepWarmMs === undefined ? undefined : deps.now() + keepWarmMs;
  run.setState(run.record.state, {}, (tx) =>
    tx.putService({ name: run.record.service, activeRelease: to, previousRelease: from, warmUntil }),
  );
  return ctx.publisher.publish(`${run.record.kind} ${run.record.service} → ${to}`);
}

/** Flips the service back to the release it had before this deployment (one table swap). */
export async function revertSwitch(ctx: EngineContext, run: DeploymentRun): Promise<number> {
  const { record } = run;
  run.setState('reverting', {}, (tx) =>
    tx.putService({
      name: record.service,
      activeRelease: record.fromRelease,
      previousRelease: record.priorPrevious,
      warmUntil: record.priorWarmUntil,
    }),
  );
  return ctx.publisher.publish(`revert ${record.service} → ${record.fromRelease ?? '(nothing)'}`);
}
