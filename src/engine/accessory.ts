import type { Config } from '../config/model.js';
import { SlipwayError } from '../errors.js';
import { COMMITTED, prepare, type DeployContext } from './blue-green.js';
import { configHash } from './build-release.js';
import type { EngineContext } from './context.js';
import { DeploymentRun, type Reporter } from './deployment-run.js';
import { gateInstances } from './health-gate.js';
import { isLive } from './instance-state.js';
import { finish, reverted, snapshotOf, type OperationResult } from './outcome.js';
import type { InstanceRecord, ReleaseRecord } from './records.js';
import { startInstance } from './start-instances.js';
import { deployLease } from './stack-scope.js';
import { runPlan, type StrategyPlan } from './step-plan.js';
import { drainAndStop, stopUnused } from './stop-instance.js';
import { revertSwitch, switchService } from './switch.js';
import { watchRelease } from './watch.js';
import { rollbackService } from './rollback.js';

/** An accessory's deploy: its own instance's port and the instances it replaces in place. */
interface AccessoryContext extends DeployContext {
  readonly old: readonly InstanceRecord[];
  readonly port: number | undefined;
}

const releaseOf = (c: DeployContext): ReleaseRecord => {
  if (!c.release) throw new Error('no release built yet');
  return c.release;
};

/** Live instances of a service's release, newest last. */
function liveOf(c: Pick<EngineContext, 'deps'>, service: string, release: string | undefined): InstanceRecord[] {
  return release ? c.deps.store.instances({ service, releaseId: release }).filter((i) => isLive(i.state)) : [];
}

/**
 * An accessory (a database, a cache) is replaced in place: build, run its release hook, stop
 * the old instance, start the new one on the same port (so dependents keep their address),
 * gate it. Never two at once (they would share the data), never blue-green.
 */
export const ACCESSORY: StrategyPlan<AccessoryContext> = {
  name: 'blue-green',
  steps: [
    ...prepare.filter((s) => s.name !== 'start' && s.name !== 'health-gate'),
    {
      name: 'start',
      state: 'starting',
      onCrash: 'revert',
      enter: (c) => ({ releaseId: releaseOf(c).id }),
      run: async (c) => {
        for (const old of c.old) await drainAndStop(c.ctx.deps, old, c.run.id);
        const count = c.spec.kind === 'accessory' ? 1 : releaseOf(c).spec.instances;
        for (let n = 0; n < count; n++) c.instances.push(await startInstance(c.ctx.deps, releaseOf(c), c.run.id, n === 0 ? c.port : undefined));
        return undefined;
      },
      detail: (c) => `${c.old.length > 0 ? `${c.from} stopped; ` : ''}${c.instances.map((i) => `${i.id}:${i.port}`).join(', ')} (in place)`,
    },
    ...(prepare.filter((s) => s.name === 'health-gate') as StrategyPlan<AccessoryContext>['steps']),
    {
      name: 'switch',
      state: 'switching',
      onCrash: 'revert',
      run: async (c) => {
        await c.start;
        await switchService(c.ctx, c.run, releaseOf(c).id, c.from);
        c.timings.switchMs = c.ctx.deps.now() - c.run.startedAt;
        return undefined;
      },
      detail: (c) => `${c.spec.name} → ${releaseOf(c).id}`,
    },
    {
      // A stop-first worker is watched as an overlapping one is: an exit in the window reverts it.
      name: 'watch',
      state: 'watching',
      onCrash: 'revert',
      when: (c) => c.spec.kind === 'worker',
      run: async (c) => {
        const release = releaseOf(c);
        const verdict = await watchRelease(c.ctx, {
          service: c.spec.name,
          release: release.id,
          instanceIds: c.instances.map((i) => i.id),
          watchMs: release.spec.watchMs,
          baseline: undefined,
          switched: await c.start,
          signal: c.run.signal,
        });
        if (verdict.decision === 'fail') throw reverted(verdict.reason);
        return undefined;
      },
    },
    ...(COMMITTED as StrategyPlan<AccessoryContext>['steps']),
  ],
};

/**
 * Deploys an accessory: nothing happens when its config is unchanged and its instance runs;
 * otherwise it is replaced in place. A failed new instance is stopped and the old release
 * started again on the same port.
 */
export async function deployAccessory(ctx: EngineContext, config: Config, name: string, reporter: Reporter, _strategy?: unknown, signal?: AbortSignal): Promise<OperationResult> {
  const { deps } = ctx;
  const spec = config.services[name];
  if (!spec) throw new Error(`unknown service ${name}`);
  const run = new DeploymentRun(deps, name, 'deploy', reporter, signal);
  const unregister = ctx.register(run);
  const lease = await run.step('lock', () => deployLease(deps, `deploy of ${name} (daemon pid ${process.pid})`, run.id));
  const before = deps.store.service(name);
  const from = before?.activeRelease;
  const current = from ? deps.store.release(name, from) : undefined;
  const old = liveOf(ctx, name, from);
  const unprotect = ctx.protect(name, [from, before?.previousRelease]);
  const port = spec.kind === 'accessory' ? (old.at(-1)?.port ?? deps.store.instances({ service: name, releaseId: from ?? '' }).at(-1)?.port) : undefined;
  const c: AccessoryContext = { ctx, run, config, spec, canary: false, before, from, start: snapshotOf(run), timings: {}, instances: [], unprotectNew: () => undefined, old, port };
  try {
    if (spec.kind === 'accessory' && current && current.configHash === configHash(spec) && old.length > 0) {
      run.setState('committed', { fromRelease: from, releaseId: from, priorPrevious: before?.previousRelease, priorWarmUntil: before?.warmUntil });
      return await finish(run, 'succeeded', { start: c.start, switched: undefined, timings: {}, note: `${name} is an accessory whose config did not change: ${from} keeps running` });
    }
    const result = await runPlan(run, ACCESSORY, c);
    if (!result) throw new Error('the accessory plan ended without an outcome');
    return result;
  } catch (err) {
    return await putBack(c, current, err);
  } finally {
    unregister();
    lease.release();
    unprotect();
    c.unprotectNew();
  }
}

/**
 * The new instance failed (its gate, or its watch window): the service record goes back first
 * (so the supervisor no longer restarts the new one), the new instances are stopped, and the
 * release that ran before starts again on its port.
 */
async function putBack(c: AccessoryContext, previous: ReleaseRecord | undefined, err: unknown): Promise<OperationResult> {
  const { ctx, run } = c;
  const ended = { start: c.start, switched: undefined, timings: c.timings, error: err };
  const state = run.record.state;
  if (state !== 'starting' && state !== 'switching' && state !== 'watching') return finish(run, 'failed', ended);
  const moved = c.release !== undefined && c.release.id !== previous?.id && ctx.deps.store.service(c.spec.name)?.activeRelease === c.release.id;
  if (moved) await revertSwitch(ctx, run).catch(() => undefined);
  if (c.release && c.release.id !== previous?.id) await stopUnused(ctx.deps, ctx.deps.store.instances({ service: c.spec.name, releaseId: c.release.id }), run.id);
  if (previous && c.old.length > 0 && liveOf(ctx, c.spec.name, previous.id).length === 0) {
    await run
      .step(
        'revert',
        async () => {
          const started: InstanceRecord[] = [];
          for (let n = 0; n < (c.spec.kind === 'accessory' ? 1 : previous.spec.instances); n++) started.push(await startInstance(ctx.deps, previous, run.id, n === 0 ? c.port : undefined));
          return gateInstances(ctx.deps, started, previous.spec.health, run.id);
        },
        () => `${previous.id} started again${c.port === undefined ? '' : ` on port ${c.port}`}`,
      )
      .catch(() => undefined);
  }
  return finish(run, state === 'starting' ? 'failed' : 'reverted', ended);
}

/** An accessory's rollback: its previous release started in place of the current one, on the same port. */
export async function rollbackAccessory(ctx: EngineContext, config: Config | undefined, name: string, reporter: Reporter, because?: string): Promise<OperationResult> {
  const { deps } = ctx;
  const run = new DeploymentRun(deps, name, 'rollback', reporter);
  const lease = await run.step('lock', () => deployLease(deps, `rollback of ${name} (daemon pid ${process.pid})`, run.id));
  const before = deps.store.service(name);
  const from = before?.activeRelease;
  const current = from ? deps.store.release(name, from) : undefined;
  const target = before?.previousRelease ? deps.store.release(name, before.previousRelease) : undefined;
  const old = liveOf(ctx, name, from);
  const unprotect = ctx.protect(name, [from, target?.id]);
  const port = old.at(-1)?.port ?? deps.store.instances({ service: name, releaseId: from ?? '' }).at(-1)?.port;
  const spec = config?.services[name] ?? ({ name } as DeployContext['spec']);
  const c: AccessoryContext = { ctx, run, config: config as Config, spec, canary: false, before, from, start: snapshotOf(run), timings: {}, instances: [], unprotectNew: () => undefined, old, port, ...(target ? { release: target } : {}) };
  try {
    if (!target) throw new SlipwayError('SLW_NO_PREVIOUS_RELEASE', `Service ${name} has no previous release to roll back to.`);
    run.setState('pending', { fromRelease: from, releaseId: target.id, priorPrevious: before?.previousRelease, priorWarmUntil: before?.warmUntil });
    const steps = ACCESSORY.steps.filter((s) => s.name === 'start' || s.name === 'health-gate' || s.name === 'switch');
    await runPlan(run, { name: 'rollback', steps }, c);
    run.setState('committed');
    return await finish(run, 'succeeded', { start: c.start, switched: undefined, timings: c.timings, ...(because === undefined ? {} : { note: because }) });
  } catch (err) {
    return await putBack(c, current, err);
  } finally {
    lease.release();
    unprotect();
  }
}

/** Rollback of one service: in place for an accessory, by the warm or cold switch otherwise. */
export function rollbackOne(ctx: EngineContext, name: string, reporter: Reporter, because?: string): Promise<OperationResult> {
  const active = ctx.deps.store.service(name)?.activeRelease;
  const kind = active ? ctx.deps.store.release(name, active)?.spec.kind : undefined;
  return kind === 'accessory' ? rollbackAccessory(ctx, undefined, name, reporter, because) : rollbackService(ctx, name, reporter, because);
}
