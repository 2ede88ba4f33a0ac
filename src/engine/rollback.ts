import { existsSync } from 'node:fs';
import { SlipwayError } from '../errors.js';
import type { EngineContext } from './context.js';
import { DeploymentRun, type Reporter } from './deployment-run.js';
import { gateInstances } from './health-gate.js';
import { isRunning } from './instance-ops.js';
import { finish, snapshotOf, type OperationResult, type Timings } from './outcome.js';
import type { InstanceRecord, ReleaseRecord, ServiceRecord } from './records.js';
import type { Snapshot } from './report.js';
import { servingInstances } from './routing.js';
import { startInstances } from './start-instances.js';
import { deployLease } from './stack-scope.js';
import { runPlan, type StrategyPlan } from './step-plan.js';
import { stopUnused } from './stop-instance.js';
import { switchService, revertSwitch } from './switch.js';

/** What the steps of a rollback share. */
export interface RollbackContext {
  readonly ctx: EngineContext;
  readonly run: DeploymentRun;
  readonly name: string;
  readonly before: ServiceRecord | undefined;
  readonly from: string | undefined;
  readonly target: ReleaseRecord | undefined;
  /** The proxy's counts as the rollback began, read while `plan` runs; awaited before traffic moves. */
  readonly start: Promise<Snapshot>;
  readonly timings: Timings;
  warm: InstanceRecord[];
  started: InstanceRecord[];
  switched?: Snapshot;
  /** Why this rollback runs when it was not asked for (a stack rollback), kept as its reason. */
  readonly because?: string;
}

const targetOf = (c: RollbackContext): ReleaseRecord => {
  if (!c.target) throw new SlipwayError('SLW_NO_PREVIOUS_RELEASE', `Service ${c.name} has no previous release to roll back to.`);
  return c.target;
};

/** Rollback: one table swap while the previous release is warm; otherwise start and gate it first. */
export const ROLLBACK: StrategyPlan<RollbackContext> = {
  name: 'rollback',
  steps: [
    {
      name: 'plan',
      state: 'pending',
      onCrash: 'revert',
      enter: (c) => ({ fromRelease: c.from, releaseId: c.target?.id, priorPrevious: c.before?.previousRelease, priorWarmUntil: c.before?.warmUntil }),
      run: async (c) => {
        const target = targetOf(c);
        if (target.status === 'pruned' || !existsSync(target.dir)) {
          throw new SlipwayError('SLW_RELEASE_GONE', `Release ${target.id} of ${c.name} is no longer on disk.`);
        }
        const serving = servingInstances(c.ctx.deps, c.name, target.id).filter((i) => i.state === 'healthy');
        const alive = await Promise.all(serving.map((i) => isRunning(c.ctx.deps, i)));
        c.warm = serving.filter((_, n) => alive[n]);
        return undefined;
      },
      detail: (c) =>
        c.warm.length > 0
          ? `${c.from ?? '(nothing)'} → ${targetOf(c).id} (warm: ${c.warm.length} instance(s), one switch)`
          : `${c.from ?? '(nothing)'} → ${targetOf(c).id} (cold: start and gate first)`,
    },
    {
      name: 'start',
      state: 'starting',
      onCrash: 'revert',
      when: (c) => c.warm.length === 0,
      run: async (c) => {
        c.started = await startInstances(c.ctx.deps, targetOf(c), c.run.id);
        return undefined;
      },
    },
    {
      name: 'health-gate',
      state: 'starting',
      onCrash: 'revert',
      when: (c) => c.warm.length === 0,
      run: async (c) => {
        const began = c.ctx.deps.now();
        await gateInstances(c.ctx.deps, c.started, targetOf(c).spec.health, c.run.id, c.run.signal);
        c.timings.gateMs = c.ctx.deps.now() - began;
        return undefined;
      },
    },
    {
      name: 'switch',
      state: 'switching',
      onCrash: 'revert',
      run: async (c) => {
        await c.start;
        await switchService(c.ctx, c.run, targetOf(c).id, c.from);
        c.timings.switchMs = c.ctx.deps.now() - c.run.startedAt;
        c.switched = await snapshotOf(c.run);
        return undefined;
      },
      detail: (c) => `traffic → ${targetOf(c).id}`,
    },
    {
      name: 'record',
      state: 'committed',
      onCrash: 'finish',
      run: (c) => finish(c.run, 'succeeded', { start: c.start, switched: c.switched, timings: c.timings, ...(c.because === undefined ? {} : { note: c.because }) }),
    },
  ],
};

/** Rollback of one service to its previous release, in the same skeleton as a deploy. */
export async function rollbackService(ctx: EngineContext, name: string, reporter: Reporter, because?: string): Promise<OperationResult> {
  const { deps } = ctx;
  const run = new DeploymentRun(deps, name, 'rollback', reporter);
  const lease = await run.step('lock', () => deployLease(deps, `rollback of ${name} (daemon pid ${process.pid})`, run.id));
  const before = deps.store.service(name);
  const from = before?.activeRelease;
  const target = before?.previousRelease ? deps.store.release(name, before.previousRelease) : undefined;
  const unprotect = ctx.protect(name, [from, target?.id]);
  const c: RollbackContext = { ctx, run, name, before, from, target, start: snapshotOf(run), timings: {}, warm: [], started: [], ...(because === undefined ? {} : { because }) };
  try {
    const result = await runPlan(run, ROLLBACK, c);
    if (!result) throw new Error('the rollback plan ended without an outcome');
    return result;
  } catch (err) {
    const ended = { start: c.start, switched: undefined, timings: c.timings, error: err };
    if (run.record.state === 'starting' && target) {
      await stopUnused(deps, deps.store.instances({ service: name, releaseId: target.id }).filter((i) => i.createdBy === run.id), run.id);
    }
    if (run.record.state === 'switching') await revertSwitch(ctx, run).catch(() => undefined);
    return await finish(run, run.record.state === 'reverting' ? 'reverted' : 'failed', ended);
  } finally {
    lease.release();
    unprotect();
  }
}
