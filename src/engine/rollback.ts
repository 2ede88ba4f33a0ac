import { existsSync } from 'node:fs';
import { SlipwayError } from '../errors.js';
import type { EngineContext } from './context.js';
import { DeploymentRun, type Reporter } from './deployment-run.js';
import { gateInstances } from './health-gate.js';
import { isRunning } from './instance-ops.js';
import { finish, snapshotOf, type OperationResult, type Timings } from './outcome.js';
import { servingInstances } from './routing.js';
import { startInstances } from './start-instances.js';
import { stopUnused } from './stop-instance.js';
import { switchService, revertSwitch } from './switch.js';

/**
 * Rollback to the previous release: one table swap while it is warm; otherwise its
 * instances are started and health-gated like a deploy first.
 */
export async function rollbackService(ctx: EngineContext, name: string, reporter: Reporter): Promise<OperationResult> {
  const { deps } = ctx;
  const run = new DeploymentRun(deps, name, 'rollback', reporter);
  const lease = await run.step('lock', () => deps.lock.acquire(`rollback of ${name} (daemon pid ${process.pid})`, run.id));
  const before = deps.store.service(name);
  const from = before?.activeRelease;
  const target = before?.previousRelease ? deps.store.release(name, before.previousRelease) : undefined;
  const unprotect = ctx.protect(name, [from, target?.id]);
  const timings: Timings = {};
  const start = await snapshotOf(run);
  try {
    run.setState('pending', { fromRelease: from, releaseId: target?.id, priorPrevious: before?.previousRelease, priorWarmUntil: before?.warmUntil });
    if (!target) {
      throw new SlipwayError('SLW_NO_PREVIOUS_RELEASE', `Service ${name} has no previous release to roll back to.`);
    }
    if (target.status === 'pruned' || !existsSync(target.dir)) {
      throw new SlipwayError('SLW_RELEASE_GONE', `Release ${target.id} of ${name} is no longer on disk.`);
    }
    const serving = servingInstances(deps, name, target.id).filter((i) => i.state === 'healthy');
    const alive = await Promise.all(serving.map((i) => isRunning(deps, i)));
    const warm = serving.filter((_, n) => alive[n]);
    await run.step('plan', () => undefined, () =>
      warm.length > 0 ? `${from ?? '(nothing)'} → ${target.id} (warm: ${warm.length} instance(s), one switch)` : `${from ?? '(nothing)'} → ${target.id} (cold: start and gate first)`,
    );
    if (warm.length === 0) {
      run.setState('starting');
      try {
        const started = await run.step('start', () => startInstances(deps, target, run.id));
        const gateBegan = deps.now();
        await run.step('health-gate', () => gateInstances(deps, started, target.spec.health, run.id));
        timings.gateMs = deps.now() - gateBegan;
      } catch (err) {
        await stopUnused(deps, deps.store.instances({ service: name, releaseId: target.id }).filter((i) => i.createdBy === run.id), run.id);
        return await finish(run, 'failed', { start, switched: undefined, timings, error: err });
      }
    }
    run.setState('switching');
    await run.step('switch', () => switchService(ctx, run, target.id, from), () => `traffic → ${target.id}`);
    timings.switchMs = deps.now() - run.startedAt;
    const switched = await snapshotOf(run);
    run.setState('committed');
    return await run.step('record', () => finish(run, 'succeeded', { start, switched, timings }));
  } catch (err) {
    if (run.record.state === 'switching') await revertSwitch(ctx, run).catch(() => undefined);
    return await finish(run, run.record.state === 'reverting' ? 'reverted' : 'failed', { start, switched: undefined, timings, error: err });
  } finally {
    lease.release();
    unprotect();
  }
}
