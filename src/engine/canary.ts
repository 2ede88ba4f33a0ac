import { setTimeout as sleep } from 'node:timers/promises';
import type { DeployReport } from '../api/schemas.js';
import type { CanarySpec } from '../config/model.js';
import { SlipwayError } from '../errors.js';
import { quantile } from '../lib/latency-histogram.js';
import { CanaryJudge, countsFromStats, type CanaryVerdict } from './canary-judge/canary-judge.js';
import { judgeOptions } from './canary-judge/from-spec.js';
import { currentProgress } from './canary-control.js';
import { evidenceShare, pct, raisePeaks, stepTests, stepWhy } from './canary-report.js';
import type { EngineContext } from './context.js';
import type { DeploymentRun } from './deployment-run.js';
import { finish, type OperationResult, type Timings } from './outcome.js';
import type { CanaryPlanStep, CanaryProgress, ReleaseRecord } from './records.js';
import { delta, releaseStats, type Snapshot } from './report.js';
import { switchService } from './switch.js';

const TICK_MS = 1000;
const EVIDENCE_EVERY_MS = 5000;
const BAKE_WEIGHT = 0.95;

type CanaryReport = NonNullable<DeployReport['canary']>;
type StepOutcome = { kind: 'next' | 'promote' | 'abort' } | { kind: 'rollback'; reason: string };

/**
 * The steps of a canary: the configured weights as written (the first weight is never
 * raised), then the bake at 95 %. A step whose share of the stable release's current rate
 * cannot bring its minRequests within its minHold is marked, with what the user chose for
 * low traffic (`lowTraffic`: move on after the hold on health, or hold for the requests).
 */
export function canaryPlan(spec: CanarySpec, requestsPerSecond?: number): CanaryPlanStep[] {
  const policy = spec.lowTraffic ?? 'health';
  const steps = spec.steps.map((weight, i): CanaryPlanStep => {
    const minHoldMs = spec.minHoldMs[i] ?? spec.minHoldMs.at(-1) ?? 60_000;
    const minRequests = spec.minRequests[i] ?? spec.minRequests.at(-1) ?? 0;
    const rate = requestsPerSecond === undefined || !Number.isFinite(requestsPerSecond) ? undefined : requestsPerSecond * weight;
    const expected = rate === undefined ? undefined : Math.floor((rate * minHoldMs) / 1000);
    if (expected === undefined || rate === undefined || expected >= minRequests) return { weight, minHoldMs, minRequests, bake: false };
    const secondsNeeded = rate > 0 ? minRequests / rate : Infinity;
    return { weight, minHoldMs, minRequests, bake: false, lowTraffic: { expected, secondsNeeded, policy } };
  });
  return [...steps, { weight: BAKE_WEIGHT, minHoldMs: spec.bakeMs, minRequests: 0, bake: true }];
}

/** A canary's journaled progress at its start: the plan, the judge's settings, the rate they were planned for. */
export function canaryProgress(spec: CanarySpec, requestsPerSecond: number | undefined): CanaryProgress {
  return {
    plan: canaryPlan(spec, requestsPerSecond),
    maxHoldMs: spec.maxHoldMs,
    ...(requestsPerSecond === undefined ? {} : { requestsPerSecond }),
    judge: { spec: spec.judge, warmupMs: spec.warmupMs },
    step: 0,
    weight: 0,
    paused: false,
    promote: false,
    abort: false,
  };
}

/** The stable release's request rate between two proxy snapshots. */
export function stableRate(service: string, release: string, from: Snapshot, to: Snapshot, ms: number): number | undefined {
  if (ms <= 0 || !from || !to) return undefined;
  const d = delta(service, release, from, to);
  return d ? (d.requests * 1000) / ms : 0;
}

export interface CanaryRun {
  readonly release: ReleaseRecord;
  readonly from: string;
  readonly start: Snapshot;
  readonly timings: Timings;
}

/**
 * Moves traffic to the new release step by step. Each second the judge compares the two
 * releases on the proxy's own counts; a rollback verdict (or `canary abort`) flips all
 * traffic back in one table swap; `pause` holds the weights; `promote` skips to 100 %.
 */
export async function runCanary(ctx: EngineContext, run: DeploymentRun, c: CanaryRun): Promise<OperationResult> {
  const progress = run.record.canary;
  if (!progress) throw new Error('canary progress missing');
  const judge = new CanaryJudge(judgeOptions({ judge: progress.judge?.spec, warmupMs: progress.judge?.warmupMs }));
  const report: CanaryReport = [];
  for (let i = progress.step; i < progress.plan.length; i++) {
    const step = progress.plan[i];
    if (!step) break;
    const outcome = await run.step(
      'canary',
      async () => {
        setWeight(ctx, run, c.release.id, i, step.weight);
        await ctx.publisher.publish(`canary ${run.record.service} ${c.release.id} at ${pct(step.weight)}`);
        try {
          return await holdStep(ctx, run, c, judge, step, progress.maxHoldMs, report, stepWhy(step, i, progress.requestsPerSecond));
        } finally {
          ctx.canarySteps.delete(run.id);
        }
      },
      (o) => `${pct(step.weight)}${step.bake ? ' (bake)' : ''} → ${o.kind}${o.kind === 'rollback' ? `: ${o.reason}` : ''}`,
    );
    if (outcome.kind === 'rollback' || outcome.kind === 'abort') {
      await revertCanary(ctx, run);
      const error =
        outcome.kind === 'rollback'
          ? new SlipwayError('SLW_CANARY_ROLLED_BACK', `The canary was rolled back: ${outcome.reason}.`)
          : new SlipwayError('SLW_CANARY_ABORTED', 'The canary was aborted with `slipway canary abort`.');
      return finish(run, 'reverted', { start: c.start, switched: undefined, timings: c.timings, error, canary: report });
    }
    if (outcome.kind === 'promote') break;
  }
  await run.step('promote', () => switchService(ctx, run, c.release.id, c.from), () => `100% → ${c.release.id}`);
  c.timings.switchMs ??= ctx.deps.now() - run.startedAt;
  run.setState('committed');
  return run.step('record', () => finish(run, 'succeeded', { start: c.start, switched: undefined, timings: c.timings, canary: report }));
}

function setWeight(ctx: EngineContext, run: DeploymentRun, release: string, step: number, weight: number): void {
  const fresh = currentProgress(ctx.deps, run.id) ?? run.record.canary;
  if (!fresh) return;
  const service = ctx.deps.store.service(run.record.service);
  run.setState('canary', { canary: { ...fresh, step, weight } }, (tx) => {
    if (service) tx.putService({ ...service, canary: { release, weight } });
  });
}

async function holdStep(
  ctx: EngineContext,
  run: DeploymentRun,
  c: CanaryRun,
  judge: CanaryJudge,
  step: CanaryPlanStep,
  maxHoldMs: number,
  report: CanaryReport,
  why: string,
): Promise<StepOutcome> {
  const { deps } = ctx;
  const service = run.record.service;
  const began = deps.now();
  const first = await deps.dataPlane.status().catch(() => undefined);
  const entry: CanaryReport[number] = { weight: step.weight, ms: 0, outcome: 'next', releases: [], evidence: [], why };
  report.push(entry);
  let last: Snapshot = first;
  let lastEvidence = -EVIDENCE_EVERY_MS;
  let lastVerdict: CanaryVerdict | undefined;
  let lastVerdictAt = 0;
  const peaks = { errors: 0, p95: 0, p99: 0 };
  let noted = false;
  const waitForRequests = step.lowTraffic?.policy !== 'health';
  ctx.canarySteps.set(run.id, { startedAt: began, evidence: undefined });
  for (;;) {
    await sleep(TICK_MS);
    const progress: CanaryProgress | undefined = currentProgress(deps, run.id);
    const done = (kind: StepOutcome): StepOutcome => {
      entry.ms = deps.now() - began;
      entry.outcome = kind.kind;
      entry.releases = [c.from, c.release.id].map((r) => summary(service, r, first, last));
      if (lastVerdict) {
        // The step's figures are the judge's own, from the verdict that ended it.
        entry.tests = stepTests(lastVerdict, peaks);
        if (entry.evidence.at(-1)?.atMs !== lastVerdictAt) entry.evidence.push(evidenceOf(lastVerdict, lastVerdictAt));
      }
      return kind;
    };
    if (progress?.abort) return done({ kind: 'abort' });
    if (progress?.promote) return done({ kind: 'promote' });
    const status = await deps.dataPlane.status().catch(() => undefined);
    if (status) last = status;
    const verdict = status ? judge.observe(snapshotFor(deps, service, c, status, deps.now(), step.weight)) : undefined;
    const elapsed = deps.now() - began;
    if (verdict) {
      lastVerdict = verdict;
      lastVerdictAt = elapsed;
      raisePeaks(peaks, verdict);
      const { errors, p95, p99 } = evidenceOf(verdict, elapsed);
      ctx.canarySteps.set(run.id, { startedAt: began, evidence: { errors, p95, p99 } });
    }
    if (verdict && elapsed - lastEvidence >= EVIDENCE_EVERY_MS) {
      entry.evidence.push(evidenceOf(verdict, elapsed));
      lastEvidence = elapsed;
    }
    if (verdict?.decision === 'rollback') return done({ kind: 'rollback', reason: verdict.reason });
    if (progress?.paused || !verdict || verdict.decision === 'pause') continue;
    const requests = (releaseStats(status, service, c.release.id)?.requests ?? 0) - (releaseStats(first, service, c.release.id)?.requests ?? 0);
    if (elapsed >= step.minHoldMs && (requests >= step.minRequests || !waitForRequests)) return done({ kind: 'next' });
    if (elapsed >= maxHoldMs && !noted) {
      noted = true;
      run.note(`not enough canary traffic after ${Math.round(elapsed / 1000)}s (${requests}/${step.minRequests} requests): holding; \`slipway canary promote\` or \`abort\` decides`);
    }
  }
}

function snapshotFor(deps: EngineContext['deps'], service: string, c: CanaryRun, status: NonNullable<Snapshot>, atMs: number, weight: number) {
  // Latency is compared per instance: the judge needs how many serve each release.
  const serving = (releaseId: string) => deps.store.instances({ service, releaseId, live: true }).filter((i) => i.state === 'healthy').length;
  return {
    atMs,
    weight,
    stable: countsFromStats(releaseStats(status, service, c.from)),
    canary: countsFromStats(releaseStats(status, service, c.release.id)),
    instances: { stable: Math.max(1, serving(c.from)), canary: Math.max(1, serving(c.release.id)) },
  };
}

function evidenceOf(v: CanaryVerdict, atMs: number): CanaryReport[number]['evidence'][number] {
  return { atMs, errors: evidenceShare(v.evidence.errors), p95: evidenceShare(v.evidence.p95), p99: evidenceShare(v.evidence.p99) };
}

function summary(service: string, release: string, from: Snapshot, to: Snapshot): CanaryReport[number]['releases'][number] {
  const d = delta(service, release, from, to);
  const p50 = d ? quantile(d.latency, 0.5) : undefined;
  const p99 = d ? quantile(d.latency, 0.99) : undefined;
  return {
    release,
    requests: d?.requests ?? 0,
    failures: d ? d.errors5xx + d.connErrors + d.timeouts : 0,
    ...(p50 !== undefined ? { p50: Math.round(p50 * 100) / 100 } : {}),
    ...(p99 !== undefined ? { p99: Math.round(p99 * 100) / 100 } : {}),
  };
}

/** All traffic back to the stable release in one table swap; the canary's instances are reaped. */
export async function revertCanary(ctx: EngineContext, run: DeploymentRun): Promise<void> {
  const service = ctx.deps.store.service(run.record.service);
  run.setState('reverting', {}, (tx) => {
    if (service) tx.putService({ ...service, canary: undefined });
  });
  await ctx.publisher.publish(`canary ${run.record.service} reverted`);
}
