import type { Config, ServiceSpec } from '../config/model.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SlipwayError, toSlipwayError } from '../errors.js';
import { withoutSecretRefs } from '../secrets/reference.js';
import { buildRelease } from './build-release.js';
import { canaryProgress, revertCanary, runCanary, stableRate } from './canary.js';
import { describePlan } from './canary-report.js';
import type { EngineContext } from './context.js';
import { DeploymentRun, type Reporter } from './deployment-run.js';
import { gateInstances } from './health-gate.js';
import type { OutcomeCounts, Verdict } from './judge.js';
import { finish, reverted, snapshotOf, type OperationResult, type Timings } from './outcome.js';
import type { InstanceRecord, ReleaseRecord, ServiceRecord } from './records.js';
import { delta, outcomes, type Snapshot } from './report.js';
import { startInstances } from './start-instances.js';
import { stopUnused } from './stop-instance.js';
import { deployLease } from './stack-scope.js';
import { runPlan, type StrategyPlan } from './step-plan.js';
import { switchService, revertSwitch } from './switch.js';
import { watchRelease } from './watch.js';
import { resolveStackEnv, resolveStackRefs } from './service-refs.js';

/** Least window over which the stable release's request rate is measured before a canary. */
const RATE_WINDOW_MS = 3000;

/** What the steps of a deploy share. */
export interface DeployContext {
  readonly ctx: EngineContext;
  readonly run: DeploymentRun;
  readonly config: Config;
  readonly spec: ServiceSpec;
  readonly canary: boolean;
  readonly before: ServiceRecord | undefined;
  readonly from: string | undefined;
  /**
   * The proxy's counts as the deploy began, read while the first steps run (not before them:
   * one proxy round trip less on the way to the switch); awaited before traffic moves.
   */
  readonly start: Promise<Snapshot>;
  readonly timings: Timings;
  release?: ReleaseRecord;
  instances: InstanceRecord[];
  baseline?: OutcomeCounts | undefined;
  switched?: Snapshot;
  backupDetail?: string | undefined;
  verdict?: Verdict;
  unprotectNew: () => void;
}

/**
 * The release hook: once, in the new release's directory, with its env and secrets, under the
 * deploy lock, before any of its instances start. A failure stops the deploy with its last
 * output lines; nothing has moved.
 */
async function runReleaseHook(deps: EngineContext['deps'], spec: ServiceSpec, release: ReleaseRecord, deploymentId: string, signal: AbortSignal | undefined): Promise<void> {
  const argv = (spec.release ?? []).map((arg) => resolveStackRefs(deps, arg, undefined));
  const logFile = join(release.dir, 'release.log');
  const o = { id: `${spec.name}-${release.id}-release`, service: spec.name, argv, cwd: join(release.dir, 'app'), env: { ...deps.baseEnv, ...resolveStackEnv(deps, spec.env, undefined), SLIPWAY_RELEASE: release.id }, logFile, timeoutMs: RELEASE_HOOK_TIMEOUT_MS, ...(signal ? { signal } : {}) };
  try {
    await (deps.runReleaseHook ?? ((h) => deps.builder.build({ ...h, env: withoutSecretRefs(h.env) })))(o);
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    const e = toSlipwayError(err);
    const lastLines = (await readFile(logFile, 'utf8').catch(() => '')).trimEnd().split('\n').slice(-20);
    throw new SlipwayError('SLW_RELEASE_HOOK_FAILED', `The release command of ${spec.name} (\`${argv.join(' ')}\`) failed in ${release.id}: ${e.message}`, {
      cause: err,
      details: { deploymentId, release: release.id, lastLines },
    });
  }
}

const RELEASE_HOOK_TIMEOUT_MS = 30 * 60_000;

const releaseOf = (c: DeployContext): ReleaseRecord => {
  if (!c.release) throw new Error('no release built yet');
  return c.release;
};

/** The steps up to healthy new instances, shared by both strategies. */
export const prepare: StrategyPlan<DeployContext>['steps'] = [
  {
    name: 'plan',
    state: 'pending',
    onCrash: 'revert',
    enter: (c) => ({ fromRelease: c.from, priorPrevious: c.before?.previousRelease, priorWarmUntil: c.before?.warmUntil }),
    run: async (c) => {
      c.ctx.publisher.setListen(c.config.proxy);
      if (c.canary && !c.from) c.run.note('first deploy of this service: nothing to compare a canary with, so it goes blue-green');
      return undefined;
    },
    detail: (c) => `${c.from ?? '(nothing)'} → new release of ${c.spec.source}: ${c.spec.instances} instance(s), health GET ${c.spec.health.path}`,
  },
  {
    name: 'backup',
    state: 'pending',
    onCrash: 'revert',
    when: (c) => c.ctx.deps.beforeBuild !== undefined,
    run: async (c) => {
      // Under the deploy lock the next sequence number is the release about to be built.
      const next = `r${c.ctx.deps.store.nextReleaseSeq(c.spec.name)}`;
      c.backupDetail = await c.ctx.deps.beforeBuild?.({ config: c.config, service: c.spec.name, release: next });
      return undefined;
    },
    detail: (c) => c.backupDetail,
  },
  {
    name: 'build',
    state: 'building',
    onCrash: 'revert',
    run: async (c) => {
      c.release = await buildRelease(c.ctx.deps, c.spec, c.run.id, c.run.signal);
      c.unprotectNew = c.ctx.protect(c.release.service, [c.release.id]);
      return undefined;
    },
    detail: (c) => {
      const r = releaseOf(c);
      return r.commit ? `${r.id} at ${r.commit.slice(0, 7)}${r.dirty ? ' (uncommitted changes are not included)' : ''}` : r.id;
    },
  },
  {
    name: 'release',
    state: 'building',
    onCrash: 'revert',
    when: (c) => c.spec.release !== undefined,
    run: async (c) => {
      await runReleaseHook(c.ctx.deps, c.spec, releaseOf(c), c.run.id, c.run.signal);
      return undefined;
    },
    detail: (c) => `\`${(c.spec.release ?? []).join(' ')}\` ran; its output is release.log in ${releaseOf(c).id}`,
  },
  {
    name: 'start',
    state: 'starting',
    onCrash: 'revert',
    enter: (c) => ({ releaseId: releaseOf(c).id }),
    run: async (c) => {
      c.instances = await startInstances(c.ctx.deps, releaseOf(c), c.run.id);
      return undefined;
    },
    detail: (c) => c.instances.map((i) => `${i.id}:${i.port}`).join(', '),
  },
  {
    name: 'health-gate',
    state: 'starting',
    onCrash: 'revert',
    run: async (c) => {
      const began = c.ctx.deps.now();
      c.instances = await gateInstances(c.ctx.deps, c.instances, releaseOf(c).spec.health, c.run.id, c.run.signal);
      c.timings.gateMs = c.ctx.deps.now() - began;
      return undefined;
    },
  },
];

/** The last steps once the new release is accepted: crash recovery finishes them. */
export const COMMITTED: StrategyPlan<DeployContext>['steps'] = [
  {
    name: 'drain',
    state: 'committed',
    onCrash: 'finish',
    run: async () => undefined,
    detail: (c) => (c.from ? `${c.from} drained and kept warm for rollback` : undefined),
  },
  {
    name: 'record',
    state: 'committed',
    onCrash: 'finish',
    run: (c) => finish(c.run, 'succeeded', { start: c.start, switched: c.switched, timings: c.timings }),
  },
];

/** Blue-green: one switch, a watch window against the old release, the old one kept warm. */
export const BLUE_GREEN: StrategyPlan<DeployContext> = {
  name: 'blue-green',
  steps: [
    ...prepare,
    {
      name: 'switch',
      state: 'switching',
      onCrash: 'revert',
      run: async (c) => {
        const { deps } = c.ctx;
        const start = await c.start;
        // The old release's outcomes until now, the watch's comparison: not read when there is no watch window.
        c.baseline = c.from && releaseOf(c).spec.watchMs > 0 ? outcomes(delta(c.spec.name, c.from, start, await snapshotOf(c.run))) : undefined;
        await switchService(c.ctx, c.run, releaseOf(c).id, c.from);
        c.timings.switchMs = deps.now() - c.run.startedAt;
        c.switched = await snapshotOf(c.run);
        return undefined;
      },
      detail: (c) => `traffic → ${releaseOf(c).id}`,
    },
    {
      name: 'watch',
      state: 'watching',
      onCrash: 'revert',
      run: async (c) => {
        const release = releaseOf(c);
        c.verdict = await watchRelease(c.ctx, {
          service: c.spec.name,
          release: release.id,
          instanceIds: c.instances.map((i) => i.id),
          watchMs: release.spec.watchMs,
          baseline: c.baseline,
          switched: c.switched,
          signal: c.run.signal,
        });
        return undefined;
      },
    },
    {
      // The watch found the new release worse: traffic goes back, in one swap.
      name: 'revert',
      state: 'watching',
      onCrash: 'revert',
      when: (c) => c.verdict?.decision === 'fail',
      run: async (c) => {
        await c.run.step('revert', () => revertSwitch(c.ctx, c.run), () => `traffic → ${c.from ?? '(nothing)'}`);
        const reason = c.verdict?.decision === 'fail' ? c.verdict.reason : 'the watch failed';
        return finish(c.run, 'reverted', { start: c.start, switched: c.switched, timings: c.timings, error: reverted(reason) });
      },
      // Timed as its own `revert` step; the outcome is recorded after it.
      timed: false,
    },
    ...COMMITTED,
  ],
};


/** Canary: weighted steps judged on live traffic, the stable release kept as the comparison. */
export const CANARY: StrategyPlan<DeployContext> = {
  name: 'canary',
  steps: [
    ...prepare,
    {
      name: 'canary',
      state: 'canary',
      onCrash: 'resume',
      // The stable release's request rate over at least the last few seconds, for the plan's note.
      enter: async (c) => {
        const { deps } = c.ctx;
        const waited = deps.now() - c.run.startedAt;
        if (waited < RATE_WINDOW_MS) await sleep(RATE_WINDOW_MS - waited);
        const rps = stableRate(c.spec.name, c.from ?? '', await c.start, await snapshotOf(c.run), deps.now() - c.run.startedAt);
        const progress = canaryProgress(c.spec.canary, rps);
        c.run.note(describePlan(progress.plan, rps));
        return { canary: progress };
      },
      run: async (c) => runCanary(c.ctx, c.run, { release: releaseOf(c), from: c.from ?? '', start: await c.start, timings: c.timings }),
      // runCanary reports each weight as its own `canary` step.
      timed: false,
    },
  ],
};

/** Recovery reads these to know which way a crashed deployment goes. */
export const DEPLOY_PLANS: readonly StrategyPlan<DeployContext>[] = [BLUE_GREEN, CANARY];

/**
 * A deploy of one service: the skeleton every strategy shares (lock, protect the releases in
 * play, journal each step, finish with a report) around the strategy's plan. A failure goes
 * back according to the state it left: new instances stopped, traffic switched back, the canary
 * split removed.
 */
export async function deployService(
  ctx: EngineContext,
  config: Config,
  name: string,
  reporter: Reporter,
  strategy?: 'blue-green' | 'canary',
  signal?: AbortSignal,
): Promise<OperationResult> {
  const { deps } = ctx;
  const spec = config.services[name];
  if (!spec) throw new Error(`unknown service ${name}`);
  const run = new DeploymentRun(deps, name, 'deploy', reporter, signal);
  const unregister = ctx.register(run);
  const lease = await run.step('lock', () => deployLease(deps, `deploy of ${name} (daemon pid ${process.pid})`, run.id));
  const before = deps.store.service(name);
  const from = before?.activeRelease;
  const unprotect = ctx.protect(name, [from, before?.previousRelease]);
  const canary = (strategy ?? spec.strategy) === 'canary';
  const c: DeployContext = { ctx, run, config, spec, canary, before, from, start: snapshotOf(run), timings: {}, instances: [], unprotectNew: () => undefined };
  try {
    const result = await runPlan(run, canary && from ? CANARY : BLUE_GREEN, c);
    if (!result) throw new Error('the deploy plan ended without an outcome');
    return result;
  } catch (err) {
    return await goBack(c, err);
  } finally {
    unregister();
    lease.release();
    unprotect();
    c.unprotectNew();
  }
}

/** After a failed step: undo what the state says was done, then record the outcome. */
async function goBack(c: DeployContext, err: unknown): Promise<OperationResult> {
  const { ctx, run } = c;
  const ended = { start: c.start, switched: undefined, timings: c.timings, error: err };
  switch (run.record.state) {
    case 'starting':
      if (c.release) await stopUnused(ctx.deps, ctx.deps.store.instances({ service: c.release.service, releaseId: c.release.id }), run.id);
      return finish(run, 'failed', ended);
    case 'canary':
      await revertCanary(ctx, run).catch(() => undefined);
      return finish(run, 'reverted', ended);
    case 'switching':
    case 'watching':
      await revertSwitch(ctx, run).catch(() => undefined);
      return finish(run, 'reverted', ended);
    default:
      return finish(run, 'failed', ended);
  }
}
