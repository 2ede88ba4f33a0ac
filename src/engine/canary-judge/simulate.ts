import { LATENCY_BOUNDS_MS } from '../../lib/latency-histogram.js';
import { CanaryJudge, type CanarySnapshot, type CanaryVerdict } from './canary-judge.js';
import type { LatencyModel } from './latency-model.js';
import { runSeed, seededRandom, type Random } from './prng.js';

/** How one release behaves during one second. */
export interface ReleaseModel {
  /** Probability that a request fails (5xx, connection error, timeout). */
  readonly errorRate: number;
  readonly latency: LatencyModel;
}

/**
 * Synthetic traffic, second by second: each request goes to the canary with probability
 * weight(t), then fails with the release's error rate, else gets a latency drawn from its
 * model. t counts seconds of traffic from 1; nothing sleeps, nothing reads a clock.
 */
export interface Scenario {
  readonly name: string;
  readonly requestsPerSecond: number;
  readonly seconds: number;
  /** Second (from 1) at which the canary starts to be worse; undefined when it never is. */
  readonly regressionFrom?: number;
  /** Instances per release (1 each when absent), shown to the judge. */
  readonly instances?: { readonly stable: number; readonly canary: number };
  weight(t: number): number;
  stable(t: number): ReleaseModel;
  canary(t: number): ReleaseModel;
}

/** Anything that judges once a second from cumulative snapshots (the canary judge, or a foil). */
export interface SnapshotJudge {
  observe(snapshot: CanarySnapshot): Pick<CanaryVerdict, 'decision'> & Partial<Pick<CanaryVerdict, 'cause'>>;
}

export interface RunResult {
  readonly rolledBack: boolean;
  /** Seconds of traffic when the judge rolled back (or the whole run). */
  readonly seconds: number;
  readonly cause: string | undefined;
  readonly pausedSeconds: number;
}

interface MutableCounts {
  requests: number;
  failures: number;
  latency: { counts: number[]; sum: number; count: number };
}

function emptyCounts(): MutableCounts {
  return { requests: 0, failures: 0, latency: { counts: new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0), sum: 0, count: 0 } };
}

/** One run: a baseline snapshot at t = 0, then one snapshot per second until a rollback or the end. */
export function simulateRun(scenario: Scenario, judge: SnapshotJudge, random: Random): RunResult {
  const stable = emptyCounts();
  const canary = emptyCounts();
  const snapshot = (t: number): CanarySnapshot => ({
    atMs: t * 1000,
    weight: scenario.weight(Math.max(1, t)),
    stable,
    canary,
    ...(scenario.instances ? { instances: scenario.instances } : {}),
  });
  judge.observe(snapshot(0));
  let paused = 0;
  for (let t = 1; t <= scenario.seconds; t++) {
    const w = scenario.weight(t);
    const models = { stable: scenario.stable(t), canary: scenario.canary(t) };
    for (let i = 0; i < scenario.requestsPerSecond; i++) {
      const toCanary = random() < w;
      const counts = toCanary ? canary : stable;
      const model = toCanary ? models.canary : models.stable;
      counts.requests++;
      if (random() < model.errorRate) counts.failures++;
      const bucket = model.latency.sample(random);
      counts.latency.counts[bucket] = (counts.latency.counts[bucket] ?? 0) + 1;
      counts.latency.count++;
    }
    const verdict = judge.observe(snapshot(t));
    if (verdict.decision === 'rollback') return { rolledBack: true, seconds: t, cause: verdict.cause, pausedSeconds: paused };
    if (verdict.decision === 'pause') paused++;
  }
  return { rolledBack: false, seconds: scenario.seconds, cause: undefined, pausedSeconds: paused };
}

export interface Summary {
  readonly scenario: string;
  readonly runs: number;
  readonly rollbacks: number;
  readonly rollbackRate: number;
  /** Rollbacks by cause (errors, p95, p99, consecutive). */
  readonly causes: Readonly<Record<string, number>>;
  /** Seconds of traffic from the start of the regression to the rollback, over rolled-back runs. */
  readonly timeToVerdict: { readonly median: number; readonly p90: number; readonly max: number } | undefined;
}

/** `runs` independent runs of one scenario, run i seeded from (seed, i): deterministic. */
export function simulateMany(
  scenario: Scenario,
  runs: number,
  seed: number,
  makeJudge: () => SnapshotJudge = () => new CanaryJudge(),
): Summary {
  const times: number[] = [];
  const causes: Record<string, number> = {};
  for (let i = 0; i < runs; i++) {
    const result = simulateRun(scenario, makeJudge(), seededRandom(runSeed(seed, i)));
    if (!result.rolledBack) continue;
    times.push(result.seconds - (scenario.regressionFrom ?? 1) + 1);
    const cause = result.cause ?? 'unknown';
    causes[cause] = (causes[cause] ?? 0) + 1;
  }
  times.sort((a, b) => a - b);
  return {
    scenario: scenario.name,
    runs,
    rollbacks: times.length,
    rollbackRate: times.length / runs,
    causes,
    timeToVerdict: times.length === 0 ? undefined : { median: rank(times, 0.5), p90: rank(times, 0.9), max: times[times.length - 1] ?? 0 },
  };
}

/** Nearest-rank quantile of sorted values. */
function rank(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}
