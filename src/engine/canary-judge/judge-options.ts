import { logNormalPrior, type MixturePrior } from './msprt.js';

export type TestName = 'errors' | 'p95' | 'p99';
export const TESTS: readonly TestName[] = ['errors', 'p95', 'p99'];

/** A latency margin: the canary may be `relative` (0.2 = 20 %) slower plus `ms`. */
export interface LatencyMargin {
  readonly relative: number;
  readonly ms: number;
}

export interface CanaryJudgeOptions {
  /** Per-test false-rollback budget (0 turns a test off); the default totals 0.01 per deploy. */
  readonly alpha: Readonly<Record<TestName, number>>;
  /**
   * Non-inferiority margin on errors, absolute (0.01 = one percentage point): the canary fails
   * the test only when it fails more than stable's rate plus this share of stable's successes.
   */
  readonly errorMargin: number;
  /** The canary's request counts as slow above stable's quantile × (1 + relative) + ms. */
  readonly latencyMargin: LatencyMargin;
  /**
   * Latency is judged only in seconds where one canary instance carries at most this many
   * times the load of one stable instance (latency grows with load; errors are always judged).
   */
  readonly maxLoadRatio: number;
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

/** How the α of the whole judge is split between its tests (renormalised over those turned on). */
export const ALPHA_SPLIT: Readonly<Record<TestName, number>> = { errors: 0.4, p95: 0.3, p99: 0.3 };
export const DEFAULT_ALPHA = 0.01;
export const DEFAULT_ERROR_MARGIN = 0.002;
export const DEFAULT_LATENCY_MARGIN: LatencyMargin = Object.freeze({ relative: 0.2, ms: 5 });
export const DEFAULT_MAX_LOAD_RATIO = 2;
export const DEFAULT_WARMUP_MS = 30_000;

/** α per test from the judge's total α and the tests turned on. */
export function splitAlpha(total: number, on: Readonly<Record<TestName, boolean>>): Record<TestName, number> {
  const weight = TESTS.reduce((sum, name) => sum + (on[name] ? ALPHA_SPLIT[name] : 0), 0);
  // Filled for every TestName by the loop below before it is returned.
  const out = {} as Record<TestName, number>;
  for (const name of TESTS) out[name] = on[name] && weight > 0 ? (total * ALPHA_SPLIT[name]) / weight : 0;
  return out;
}

export const DEFAULT_CANARY_JUDGE_OPTIONS: CanaryJudgeOptions = Object.freeze({
  alpha: Object.freeze(splitAlpha(DEFAULT_ALPHA, { errors: true, p95: true, p99: true })),
  errorMargin: DEFAULT_ERROR_MARGIN,
  latencyMargin: DEFAULT_LATENCY_MARGIN,
  maxLoadRatio: DEFAULT_MAX_LOAD_RATIO,
  warmupMs: DEFAULT_WARMUP_MS,
  consecutiveFailures: 5,
  quietMs: 60_000,
  latencyWindowS: 120,
  minTailSamples: 10,
  prior: logNormalPrior(),
});

/** Throws a RangeError naming the first option out of range. */
export function checkOptions(o: CanaryJudgeOptions): void {
  for (const name of TESTS) {
    const a = o.alpha[name];
    if (!(a === 0 || (a > 0 && a < 1))) throw new RangeError(`alpha.${name} must be 0 (off) or in (0, 1), got ${a}`);
  }
  if (!(o.errorMargin >= 0 && o.errorMargin < 1)) throw new RangeError(`errorMargin must be in [0, 1), got ${o.errorMargin}`);
  const m = o.latencyMargin;
  if (!(m.relative >= 0 && Number.isFinite(m.relative) && m.ms >= 0 && Number.isFinite(m.ms))) {
    throw new RangeError(`latencyMargin must be finite and ≥ 0, got ${JSON.stringify(m)}`);
  }
  if (!(o.maxLoadRatio >= 1)) throw new RangeError(`maxLoadRatio must be ≥ 1, got ${o.maxLoadRatio}`);
}
