// The canary judge by seeded simulation (no sleeping, no clock): time to verdict and the
// false-rollback rate, next to two references run on the very same synthetic traffic (same
// seeds): Flagger's published defaults and Argo Rollouts' documented analysis example; and
// slipway's judge as it was before margins and the load guard ("naive"), to show what they buy.
//
//   node --import tsx bench/judge-sim.ts            # 1,000 runs per scenario
//   node --import tsx bench/judge-sim.ts 200        # fewer, for a quick look
import { quantile, subtract, type LatencyHistogram } from '../src/lib/latency-histogram.js';
import type { CanarySnapshot } from '../src/engine/canary-judge/canary-judge.js';
import { CanaryJudge } from '../src/engine/canary-judge/canary-judge.js';
import { simulateMany, type Scenario, type SnapshotJudge, type Summary } from '../src/engine/canary-judge/simulate.js';
import {
  coldStart,
  errorRegression,
  hardDownQuiet,
  loadDependentNoRegression,
  noRegression,
  quietNoRegression,
  sharedOutage,
  slowFivePercent,
  tailRegression,
} from '../src/engine/canary-judge/scenarios.js';

const RUNS = Number(process.argv[2] ?? 1000);
const SEED = 2026;

interface WindowRuleOptions {
  readonly intervalS: number;
  /** A check fails when the canary's success rate over the interval is below this. */
  readonly minSuccess: number;
  /** ... or its p99 over the interval is above this (ms). */
  readonly maxP99Ms?: number;
  /** Roll back at this many failed checks (counted over the whole analysis, not in a row). */
  readonly failedChecks: number;
}

/**
 * The rule Flagger and Argo Rollouts apply: every interval, compare the canary's aggregate
 * over that interval with fixed thresholds; roll back after enough failed checks. Windows
 * with no canary request are not counted (kinder than both tools, which fail on no data).
 */
class WindowRule implements SnapshotJudge {
  #from: { atMs: number; requests: number; failures: number; latency: LatencyHistogram } | undefined;
  #failed = 0;

  constructor(readonly o: WindowRuleOptions) {}

  observe(s: CanarySnapshot) {
    const c = s.canary;
    const now = { atMs: s.atMs, requests: c.requests, failures: c.failures, latency: { ...c.latency, counts: [...c.latency.counts] } };
    if (!this.#from) this.#from = now;
    if (s.atMs - this.#from.atMs < this.o.intervalS * 1000) return { decision: 'continue' as const };
    const requests = now.requests - this.#from.requests;
    const failures = now.failures - this.#from.failures;
    const p99 = quantile(subtract(now.latency, this.#from.latency), 0.99) ?? 0;
    this.#from = now;
    if (requests === 0) return { decision: 'continue' as const };
    const bad = 1 - failures / requests < this.o.minSuccess || (this.o.maxP99Ms !== undefined && p99 > this.o.maxP99Ms);
    if (bad) this.#failed++;
    return { decision: this.#failed >= this.o.failedChecks ? ('rollback' as const) : ('continue' as const) };
  }
}

/** Flagger's docs: interval 1m, threshold 5, request-success-rate ≥ 99 %, request-duration p99 ≤ 500 ms. */
const flagger = () => new WindowRule({ intervalS: 60, minSuccess: 0.99, maxP99Ms: 500, failedChecks: 5 });
/** Argo Rollouts' analysis example: interval 5m, success rate ≥ 95 %, failureLimit 3 (fails at failed > 3). */
const argo = () => new WindowRule({ intervalS: 300, minSuccess: 0.95, failedChecks: 4 });

/** slipway's judge before margins and the load guard: any difference counts, at any per-instance load. */
const naive = () => new CanaryJudge({ errorMargin: 0, latencyMargin: { relative: 0, ms: 0 }, maxLoadRatio: Infinity });

const healthy: Scenario[] = [
  noRegression(3600),
  quietNoRegression(3600),
  sharedOutage(0.05),
  sharedOutage(0.25),
  sharedOutage(0.5),
  loadDependentNoRegression(),
  loadDependentNoRegression([0.2, 0.5, 0.95], 125, 900),
  coldStart(),
];
const LONG = 1800; // long enough for Argo's 4 × 5 min
const regressions: Scenario[] = [
  errorRegression(0.05, 0.05, 0.005, LONG),
  errorRegression(0.1, 0.05, 0.005, LONG),
  errorRegression(0.25, 0.05, 0.005, LONG),
  errorRegression(0.05, 0.05, 0.001, LONG),
  errorRegression(0.05, 0.05, 0.01, LONG),
  errorRegression(0.25, 0.01, 0.005, LONG),
  tailRegression(0.05, LONG),
  tailRegression(0.25, LONG),
  slowFivePercent(0.25, LONG),
  hardDownQuiet(0.5, LONG),
];

function cell(s: Summary, regression: boolean): string {
  const rate = `${((100 * s.rollbacks) / s.runs).toFixed(1)} %`;
  if (!regression) return rate;
  const t = s.timeToVerdict;
  return t ? `${rate}, ${t.median} s / ${t.p90} s` : `${rate}, —`;
}

const started = performance.now();
const rows: string[] = [];
const causes: string[] = [];
for (const [list, regression] of [
  [healthy, false],
  [regressions, true],
] as const) {
  for (const scenario of list) {
    const ours = simulateMany(scenario, RUNS, SEED);
    const refs = [simulateMany(scenario, RUNS, SEED, naive), simulateMany(scenario, RUNS, SEED, flagger), simulateMany(scenario, RUNS, SEED, argo)];
    rows.push(`| ${scenario.name} | ${cell(ours, regression)} | ${refs.map((r) => cell(r, regression)).join(' | ')} |`);
    causes.push(`${scenario.name}: ${JSON.stringify(ours.causes)}`);
  }
}

console.log(`Canary judge simulation: ${RUNS} runs per scenario, seed ${SEED}, 1 check per second of traffic`);
console.log('');
console.log('Cells: share of runs rolled back; for regressions also median / p90 seconds of traffic to the verdict.');
console.log('');
console.log('| scenario | slipway (mSPRT, α = 0.01, margins, load guard) | slipway naive (no margins, no load guard) | Flagger defaults (1m × 5) | Argo example (5m, failureLimit 3) |');
console.log('| --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
console.log('');
console.log('slipway rollbacks by rule:');
for (const line of causes) console.log(`  ${line}`);
console.log('');
console.log(`took ${((performance.now() - started) / 1000).toFixed(1)} s`);
