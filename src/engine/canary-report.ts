import type { DeployReport } from '../api/schemas.js';
import type { CanaryVerdict, TestEvidence } from './canary-judge/canary-judge.js';
import { TESTS, type TestName } from './canary-judge/judge-options.js';
import type { CanaryPlanStep } from './records.js';

type StepReport = NonNullable<DeployReport['canary']>[number];
export type StepTests = NonNullable<StepReport['tests']>;

/** Evidence as a share of the rollback threshold (1 = roll back), rounded as the report shows it. */
export function evidenceShare(e: Pick<TestEvidence, 'logE' | 'logThreshold'>): number {
  if (!Number.isFinite(e.logThreshold) || e.logThreshold <= 0) return 0;
  // Floor, not round: a share shown as 1 (100 %) always means the test did roll back.
  return Math.floor(Math.max(0, e.logE / e.logThreshold) * 1000) / 1000;
}

/**
 * One figure per test for a step: the judge's own numbers when the step ended (the same
 * verdict that decided it), the peak reached during the step, and why a test took no data.
 */
export function stepTests(verdict: CanaryVerdict, peaks: Readonly<Record<TestName, number>>): StepTests {
  // Filled for every TestName by the loop below before it is returned.
  const out = {} as Record<TestName, StepTests[TestName]>;
  for (const name of TESTS) {
    const e = verdict.evidence[name];
    const state = e.alpha === 0 ? 'off' : verdict.decision === 'rollback' && verdict.cause === name ? 'failed' : e.canaryRequests === 0 ? 'not judged' : 'passed';
    out[name] = {
      state,
      evidence: evidenceShare(e),
      peak: Math.max(peaks[name], evidenceShare(e)),
      canary: e.canary,
      canaryRequests: e.canaryRequests,
      stable: e.stable,
      stableRequests: e.stableRequests,
      ...(e.thresholdMs === undefined ? {} : { thresholdMs: e.thresholdMs }),
      ...(e.canaryThresholdMs === undefined ? {} : { canaryThresholdMs: e.canaryThresholdMs }),
      ...(e.idle === undefined ? {} : { idle: e.idle }),
    };
  }
  return out;
}

/** Running peak of each test's evidence share over a step. */
export function raisePeaks(peaks: Record<TestName, number>, verdict: CanaryVerdict): void {
  for (const name of TESTS) peaks[name] = Math.max(peaks[name], evidenceShare(verdict.evidence[name]));
}

export function pct(weight: number): string {
  return `${Math.round(weight * 1000) / 10}%`;
}

/** Why a step runs at its weight and how it ends: shown in the plan note and the report. */
export function stepWhy(step: CanaryPlanStep, index: number, requestsPerSecond: number | undefined): string {
  const what = step.bake ? `bake at ${pct(step.weight)}` : index === 0 ? `first weight ${pct(step.weight)}, as configured (steps[0])` : `${pct(step.weight)}, as configured`;
  const low = step.lowTraffic;
  if (!low) return what;
  const rate = requestsPerSecond === undefined ? '' : ` at ${requestsPerSecond.toFixed(1)} req/s`;
  const head = `${what}; ~${low.expected} canary requests expected${rate} in its ${Math.round(step.minHoldMs / 1000)} s hold, below minRequests ${step.minRequests}`;
  return low.policy === 'health'
    ? `${head}: moves on after the hold on health and whatever evidence arrives (lowTraffic: health)`
    : `${head}: waits for them, about ${Math.ceil(low.secondsNeeded)} s (lowTraffic: hold; at most maxHold, then it pauses)`;
}

/** The plan in one note: every weight, and what low traffic means for each step. */
export function describePlan(plan: readonly CanaryPlanStep[], requestsPerSecond: number | undefined): string {
  const weights = plan.map((s) => `${pct(s.weight)}${s.bake ? ' (bake)' : ''}`).join(' → ');
  const rate = requestsPerSecond === undefined ? 'unknown' : `${requestsPerSecond.toFixed(1)} req/s`;
  const low = plan.map((s, i) => (s.lowTraffic ? `; ${stepWhy(s, i, requestsPerSecond)}` : '')).join('');
  return `canary plan: ${weights} → 100% (stable traffic ${rate}); first weight ${pct(plan[0]?.weight ?? 0)} as configured${low}`;
}
