import type { Config } from '../config/model.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildRelease } from './build-release.js';
import { canaryProgress, revertCanary, runCanary, stableRate } from './canary.js';
import { describePlan } from './canary-report.js';
import type { EngineContext } from './context.js';
import { DeploymentRun, type Reporter } from './deployment-run.js';
import { gateInstances } from './health-gate.js';
import type { OutcomeCounts } from './judge.js';
import { finish, reverted, snapshotOf, type OperationResult, type Timings } from './outcome.js';
import type { InstanceRecord, ReleaseRecord } from './records.js';
import { delta, outcomes, type Snapshot } from './report.js';
import { startInstances } from './start-instances.js';
import { stopUnused } from './stop-instance.js';
import { switchService, revertSwitch } from './switch.js';
import { watchRelease } from './watch.js';

/** Least window over which the stable release's request rate is measured before a canary. */
const RATE_WINDOW_MS = 3000;

/**
 * Blue-green deploy of one service: lock, plan, build, start, health-gate, switch, watch,
 * drain (old release kept warm), record. Each step journaled; a crash at any step is
 * finished or reverted by recovery at the next boot.
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
  const lease = await run.step('lock', () => deps.lock.acquire(`deploy of ${name} (daemon pid ${process.pid})`, run.id));
  const before = deps.store.service(name);
  const from = before?.activeRelease;
  const unprotect = ctx.protect(name, [from, before?.previousRelease]);
  let unprotectNew = (): void => undefined;
  const timings: Timings = {};
  const start = await snapshotOf(run);
  let switched: Snapshot;
  try {
    run.setState('pending', { fromRelease: from, priorPrevious: before?.previousRelease, priorWarmUntil: before?.warmUntil });
    ctx.publisher.setListen(config.proxy);
    await run.step('plan', () => undefined, () =>
      `${from ?? '(nothing)'} → new release of ${spec.source}: ${spec.instances} instance(s), health GET ${spec.health.path}`,
    );
    const beforeBuild = deps.beforeBuild;
    if (beforeBuild) {
      // Under the deploy lock the next sequence number is the release about to be built.
      const next = `r${deps.store.nextReleaseSeq(name)}`;
      await run.step('backup', () => beforeBuild({ config, service: name, release: next }), (detail) => detail);
    }
    run.setState('building');
    const release: ReleaseRecord = await run.step('build', () => buildRelease(deps, spec, run.id, run.signal), (r) =>
      r.commit ? `${r.id} at ${r.commit.slice(0, 7)}${r.dirty ? ' (uncommitted changes are not included)' : ''}` : r.id,
    );
    unprotectNew = ctx.protect(release.service, [release.id]);
    run.setState('starting', { releaseId: release.id });
    let instances: InstanceRecord[] = [];
    try {
      instances = await run.step('start', () => startInstances(deps, release, run.id), (list) => list.map((i) => `${i.id}:${i.port}`).join(', '));
      const gateBegan = deps.now();
      instances = await run.step('health-gate', () => gateInstances(deps, instances, release.spec.health, run.id, run.signal));
      timings.gateMs = deps.now() - gateBegan;
    } catch (err) {
      await stopUnused(deps, deps.store.instances({ service: release.service, releaseId: release.id }), run.id);
      return await finish(run, 'failed', { start, switched: undefined, timings, error: err });
    }
    if ((strategy ?? spec.strategy) === 'canary') {
      if (from) {
        // The stable release's request rate over at least the last few seconds sets the first weight.
        const waited = deps.now() - run.startedAt;
        if (waited < RATE_WINDOW_MS) await sleep(RATE_WINDOW_MS - waited);
        const now = await snapshotOf(run);
        const rps = stableRate(name, from, start, now, deps.now() - run.startedAt);
        const progress = canaryProgress(spec.canary, rps);
        run.note(describePlan(progress.plan, rps));
        run.setState('canary', { canary: progress });
        return await runCanary(ctx, run, { release, from, start, timings });
      }
      run.note('first deploy of this service: nothing to compare a canary with, so it goes blue-green');
    }
    const baseline: OutcomeCounts | undefined = from ? outcomes(delta(name, from, start, await snapshotOf(run))) : undefined;
    run.setState('switching');
    await run.step('switch', () => switchService(ctx, run, release.id, from), () => `traffic → ${release.id}`);
    timings.switchMs = deps.now() - run.startedAt;
    switched = await snapshotOf(run);
    run.setState('watching');
    const verdict = await run.step('watch', () =>
      watchRelease(ctx, {
        service: name,
        release: release.id,
        instanceIds: instances.map((i) => i.id),
        watchMs: release.spec.watchMs,
        baseline,
        switched,
        signal: run.signal,
      }),
    );
    if (verdict.decision === 'fail') {
      await run.step('revert', () => revertSwitch(ctx, run), () => `traffic → ${from ?? '(nothing)'}`);
      return await finish(run, 'reverted', { start, switched, timings, error: reverted(verdict.reason) });
    }
    run.setState('committed');
    await run.step('drain', () => undefined, () => (from ? `${from} drained and kept warm for rollback` : undefined));
    return await run.step('record', () => finish(run, 'succeeded', { start, switched, timings }));
  } catch (err) {
    if (run.record.state === 'canary') {
      await revertCanary(ctx, run).catch(() => undefined);
      return await finish(run, 'reverted', { start, switched: undefined, timings, error: err });
    }
    if (run.record.state === 'switching' || run.record.state === 'watching') {
      await revertSwitch(ctx, run).catch(() => undefined);
      return await finish(run, 'reverted', { start, switched: undefined, timings, error: err });
    }
    return await finish(run, 'failed', { start, switched: undefined, timings, error: err });
  } finally {
    unregister();
    lease.release();
    unprotect();
    unprotectNew();
  }
}
