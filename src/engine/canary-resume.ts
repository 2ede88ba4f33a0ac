import { runCanary } from './canary.js';
import type { EngineContext } from './context.js';
import { DeploymentRun } from './deployment-run.js';
import { snapshotOf } from './outcome.js';
import type { DeploymentRecord } from './records.js';

/**
 * After a daemon restart, a canary that was in progress carries on from its journaled step
 * (weights, pause and pending promote/abort requests included). Its progress events go
 * nowhere: the CLI that started it is gone; `slipway canary status` and `history` show it.
 * The judge starts afresh: evidence gathered before the restart is not kept.
 */
export async function resumeCanary(ctx: EngineContext, deployment: DeploymentRecord): Promise<void> {
  const { deps } = ctx;
  const release = deployment.releaseId ? deps.store.release(deployment.service, deployment.releaseId) : undefined;
  if (!release || !deployment.fromRelease || !deployment.canary) return;
  const run = DeploymentRun.resume(deps, deployment, () => undefined);
  const lease = deps.lock.acquire(`canary of ${deployment.service} (resumed by daemon pid ${process.pid})`, deployment.id);
  const unprotect = ctx.protect(deployment.service, [deployment.fromRelease, release.id]);
  try {
    await runCanary(ctx, run, { release, from: deployment.fromRelease, start: await snapshotOf(run), timings: {} });
  } finally {
    lease.release();
    unprotect();
  }
}
