import { emptyHistogram, LATENCY_BOUNDS_MS, type LatencyHistogram } from '../../lib/latency-histogram.js';
import type { ReleaseStats } from '../../proxy/protocol.js';
import { countAbove, StableLatencyWindow } from './latency-threshold.js';
import { logNormalPrior, MixtureSprt, type MixturePrior } from './msprt.js';

/** Cumulative counters of one release, as the proxy keeps them (see `countsFromStats`). */
export interface ReleaseCounts {
  readonly requests: number;
  /** 5xx + connection failures and resets + timeouts, per upstream attempt; never 4xx. */
  readonly failures: number;
  /** Latency of answered attempts. */
  readonly latency: LatencyHistogram;
}

/** The judge's view of the proxy's counters of one release (failures as in report.ts). */
export function countsFromStats(stats: ReleaseStats | undefined): ReleaseCounts {
  if (!stats) return { requests: 0, failures: 0, latency: emptyHistogram() };
  return { requests: stats.requests, failures: stats.errors5xx + stats.connErrors + stats.timeouts, latency: stats.latency };
}

/** What the judge is shown once a second. */
export interface CanarySnapshot {
  /** Monotonic clock, ms. */
  readonly atMs: number;
  /** The canary's configured weight (0..1) over the last second. */
  readonly weight: number;
  readonly stable: ReleaseCounts;
  readonly canary: ReleaseCounts;
}

export type CanaryDecision = 'continue' | 'rollback' | 'pause';
export type TestName = 'errors' | 'p95' | 'p99';

export interface TestEvidence {
  readonly alpha: number;
  /** Natural log of the e-value; the test rolls back once it reaches ln(1/alpha). */
  readonly logE: number;
  readonly logThreshold: number;
  /** Failures (errors) or slow requests (p95, p99) counted on each side. */
  readonly canary: number;
  readonly stable: number;
  /** What the canary would have had at its share of the traffic. */
  readonly expectedCanary: number;
  /** Latency tests: the current threshold (upper bound of stable's quantile bucket), ms. */
  readonly thresholdMs?: number;
}

export interface CanaryVerdict {
  readonly decision: CanaryDecision;
  readonly reason: string;
  /** On rollback: which rule fired. */
  readonly cause?: TestName | 'consecutive';
  readonly evidence: Readonly<Record<TestName, TestEvidence>>;
  /** Canary failures in a row with no canary success and no stable failure in between. */
  readonly streak: number;
  /** Counted since the judge's first snapshot. */
  readonly totals: { readonly stable: Totals; readonly canary: Totals };
}

export interface Totals {
  readonly requests: number;
  readonly failures: number;
}

export interface CanaryJudgeOptions {
  /** Per-test false-rollback budget; the default totals 0.01 per deploy. */
  readonly alpha: Readonly<Record<TestName, number>>;
  /** The canary's first latency is ignored for this long (warm-up); never its errors. */
  readonly warmupMs: number;
  /** Roll back at once after this many canary failures in a row (0 turns the rule off). */
  readonly consecutiveFailures: number;
  /** Pause when the canary, with weight > 0, saw no request for this long. */
  readonly quietMs: number;
  /** Stable's "current" quantiles are taken over this many seconds. */
  readonly latencyWindowS: number;
  /** Fewer stable samples than this × 1/(1 − q) in the window: no latency test that second. */
  readonly minTailSamples: number;
  readonly prior: MixturePrior;
}

export const DEFAULT_CANARY_JUDGE_OPTIONS: CanaryJudgeOptions = Object.freeze({
  alpha: Object.freeze({ errors: 0.004, p95: 0.003, p99: 0.003 }),
  warmupMs: 30_000,
  consecutiveFailures: 5,
  quietMs: 60_000,
  latencyWindowS: 120,
  minTailSamples: 10,
  prior: logNormalPrior(),
});

const QUANTILES: Readonly<Record<'p95' | 'p99', number>> = { p95: 0.95, p99: 0.99 };
const TESTS: readonly TestName[] = ['errors', 'p95', 'p99'];
const WHAT: Readonly<Record<TestName, string>> = {
  errors: 'failed requests',
  p95: "requests slower than stable's p95",
  p99: "requests slower than stable's p99",
};

/** One second of both releases: differences between two cumulative snapshots. */
interface Second {
  readonly stable: { requests: number; failures: number; latency: number[]; answered: number };
  readonly canary: { requests: number; failures: number; latency: number[]; answered: number };
}

/**
 * The canary judge: three mixture SPRTs (errors, p95, p99; see msprt.ts) fed once a second
 * with per-release counts, plus the consecutive-failure fast path. `observe` never throws:
 * bad input or an internal error gives 'pause'; a rollback is final.
 */
export class CanaryJudge {
  readonly #o: CanaryJudgeOptions;
  readonly #tests: Record<TestName, MixtureSprt>;
  readonly #thresholdMs: Partial<Record<TestName, number>> = {};
  #window: StableLatencyWindow | undefined;
  #previous: CanarySnapshot | undefined;
  #startedAt = 0;
  #lastCanaryRequestAt = 0;
  #streak = 0;
  #rolledBack: CanaryVerdict | undefined;
  readonly #totals = { stable: { requests: 0, failures: 0 }, canary: { requests: 0, failures: 0 } };

  constructor(options: Partial<CanaryJudgeOptions> = {}) {
    this.#o = { ...DEFAULT_CANARY_JUDGE_OPTIONS, ...options };
    for (const name of TESTS) {
      const a = this.#o.alpha[name];
      if (!(a > 0 && a < 1)) throw new RangeError(`alpha.${name} must be in (0, 1), got ${a}`);
    }
    this.#tests = { errors: new MixtureSprt(this.#o.prior), p95: new MixtureSprt(this.#o.prior), p99: new MixtureSprt(this.#o.prior) };
  }

  observe(snapshot: CanarySnapshot): CanaryVerdict {
    if (this.#rolledBack) return this.#rolledBack;
    try {
      const problem = invalid(snapshot);
      if (problem) return this.#verdict('pause', `not judging this second: ${problem}`);
      return this.#observe(snapshot);
    } catch (err) {
      // Whatever went wrong, the next second counts from the last snapshot that was usable.
      return this.#verdict('pause', `judge error: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  #observe(snapshot: CanarySnapshot): CanaryVerdict {
    const previous = this.#previous;
    this.#previous = copy(snapshot);
    if (!previous) {
      this.#startedAt = this.#lastCanaryRequestAt = snapshot.atMs;
      this.#window = new StableLatencyWindow(snapshot.stable.latency.counts.length, this.#o.latencyWindowS);
      return this.#verdict('continue', 'first snapshot: counting from here');
    }
    const second = difference(previous, snapshot);
    if (typeof second === 'string') return this.#verdict('pause', `not judging this second: ${second}`);
    this.#count(second);
    this.#judgeErrors(second);
    this.#judgeLatency(second, previous.atMs - this.#startedAt >= this.#o.warmupMs);

    if (second.canary.requests > 0) this.#lastCanaryRequestAt = snapshot.atMs;
    const rollback = this.#rollbackReason();
    if (rollback) return (this.#rolledBack = this.#verdict('rollback', rollback.reason, rollback.cause));
    const quiet = snapshot.atMs - this.#lastCanaryRequestAt;
    if (snapshot.weight > 0 && quiet >= this.#o.quietMs) {
      return this.#verdict('pause', `not enough data: no request reached the canary in ${Math.round(quiet / 1000)} s`);
    }
    return this.#verdict('continue', 'no evidence that the canary is worse');
  }

  #count(s: Second): void {
    for (const side of ['stable', 'canary'] as const) {
      this.#totals[side].requests += s[side].requests;
      this.#totals[side].failures += s[side].failures;
    }
  }

  #judgeErrors({ stable, canary }: Second): void {
    const requests = stable.requests + canary.requests;
    const failures = stable.failures + canary.failures;
    if (failures > 0 && requests > 0) {
      this.#tests.errors.update(canary.requests / requests, canary.failures, failures);
    }
    // Order inside a second is unknown: a second extends the streak only when every canary
    // request failed and the stable release had no failure at all; anything else resets it.
    if (canary.failures > 0 && canary.failures >= canary.requests && stable.failures === 0) this.#streak += canary.failures;
    else if (canary.requests > 0 || stable.failures > 0) this.#streak = 0;
  }

  #judgeLatency({ stable, canary }: Second, warm: boolean): void {
    const window = this.#window;
    if (!window) return;
    const answered = stable.answered + canary.answered;
    for (const name of ['p95', 'p99'] as const) {
      const q = QUANTILES[name];
      const index = window.thresholdIndex(q, this.#o.minTailSamples / (1 - q));
      if (index === undefined) continue;
      this.#thresholdMs[name] = boundMs(index);
      if (!warm || answered === 0) continue;
      const slowCanary = countAbove(canary.latency, index);
      const slow = slowCanary + countAbove(stable.latency, index);
      if (slow > 0) this.#tests[name].update(canary.answered / answered, slowCanary, slow);
    }
    window.push(stable.latency);
  }

  #rollbackReason(): { cause: TestName | 'consecutive'; reason: string } | undefined {
    const limit = this.#o.consecutiveFailures;
    if (limit > 0 && this.#streak >= limit) {
      return { cause: 'consecutive', reason: `${this.#streak} canary failures in a row while the stable release had none` };
    }
    for (const name of TESTS) {
      const test = this.#tests[name];
      const alpha = this.#o.alpha[name];
      if (test.logE < Math.log(1 / alpha)) continue;
      const { canary, stable, expectedCanary } = test.counts;
      const reason =
        `${name}: ${canary} of ${canary + stable} ${WHAT[name]} came from the canary where its share of ` +
        `traffic predicts ${expectedCanary.toFixed(1)} (evidence ${formatE(test.logE)} ≥ ${formatE(Math.log(1 / alpha))}, α = ${alpha})`;
      return { cause: name, reason };
    }
    return undefined;
  }

  #verdict(decision: CanaryDecision, reason: string, cause?: TestName | 'consecutive'): CanaryVerdict {
    const evidence = {} as Record<TestName, TestEvidence>;
    for (const name of TESTS) {
      const test = this.#tests[name];
      const alpha = this.#o.alpha[name];
      const threshold = this.#thresholdMs[name];
      evidence[name] = {
        alpha,
        logE: test.logE,
        logThreshold: Math.log(1 / alpha),
        ...test.counts,
        ...(threshold === undefined ? {} : { thresholdMs: threshold }),
      };
    }
    const totals = { stable: { ...this.#totals.stable }, canary: { ...this.#totals.canary } };
    return { decision, reason, ...(cause ? { cause } : {}), evidence, streak: this.#streak, totals };
  }
}

function boundMs(index: number): number {
  return LATENCY_BOUNDS_MS[index] ?? Infinity;
}

function formatE(logE: number): string {
  const e = Math.exp(logE);
  return e >= 1e6 ? e.toExponential(1) : e.toFixed(e < 10 ? 2 : 0);
}

function invalid(s: CanarySnapshot): string | undefined {
  if (!Number.isFinite(s.atMs)) return 'snapshot time is not a number';
  if (!(s.weight >= 0 && s.weight <= 1)) return `weight ${s.weight} is outside 0..1`;
  for (const side of ['stable', 'canary'] as const) {
    const c = s[side];
    if (!isCount(c.requests) || !isCount(c.failures)) return `${side} counters are not counts`;
    if (!c.latency || !Array.isArray(c.latency.counts) || !c.latency.counts.every(isCount)) {
      return `${side} latency histogram is malformed`;
    }
  }
  if (s.stable.latency.counts.length !== s.canary.latency.counts.length) return 'latency histograms differ in buckets';
  return undefined;
}

/** The judge keeps its own copy: callers may reuse and mutate their counters. */
function copy(s: CanarySnapshot): CanarySnapshot {
  const side = (c: ReleaseCounts): ReleaseCounts => ({
    requests: c.requests,
    failures: c.failures,
    latency: { counts: [...c.latency.counts], sum: c.latency.sum, count: c.latency.count },
  });
  return { atMs: s.atMs, weight: s.weight, stable: side(s.stable), canary: side(s.canary) };
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0;
}

/** One second of counts, or why it cannot be used (counters went backwards: the proxy restarted). */
function difference(a: CanarySnapshot, b: CanarySnapshot): Second | string {
  if (b.atMs <= a.atMs) return 'snapshot is not newer than the previous one';
  if (a.stable.latency.counts.length !== b.stable.latency.counts.length) return 'latency buckets changed';
  const side = (x: ReleaseCounts, y: ReleaseCounts) => {
    const latency = y.latency.counts.map((c, i) => c - (x.latency.counts[i] ?? 0));
    const answered = latency.reduce((s, c) => s + c, 0);
    return { requests: y.requests - x.requests, failures: y.failures - x.failures, latency, answered };
  };
  const stable = side(a.stable, b.stable);
  const canary = side(a.canary, b.canary);
  for (const [name, d] of [['stable', stable], ['canary', canary]] as const) {
    if (d.requests < 0 || d.failures < 0 || d.latency.some((c) => c < 0)) {
      return `${name} counters went backwards (proxy restarted?): counting again from this snapshot`;
    }
  }
  return { stable, canary };
}
