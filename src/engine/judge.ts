/** Request outcomes of one release over a window, as counted by the proxy. */
export interface OutcomeCounts {
  readonly requests: number;
  /** 5xx responses + upstream connection errors + timeouts. */
  readonly failures: number;
}

export interface JudgeInput {
  /** The old release before the switch; undefined on a first deploy. */
  readonly baseline: OutcomeCounts | undefined;
  /** The new release since the switch. */
  readonly candidate: OutcomeCounts;
}

export type Verdict = { readonly decision: 'continue' } | { readonly decision: 'fail'; readonly reason: string };

/**
 * Decides, during the watch window, whether the new release is clearly worse than the old.
 * The canary issue brings a sequential statistical judge behind this same interface.
 */
export interface Judge {
  evaluate(input: JudgeInput): Verdict;
}

export interface ThresholdJudgeOptions {
  /** No verdict before this many candidate failures (noise floor). */
  readonly minFailures: number;
  /** Absolute margin over the baseline failure rate. */
  readonly margin: number;
  /** Relative factor over the baseline failure rate. */
  readonly factor: number;
}

/**
 * Fails when the candidate's failure rate exceeds factor × baseline + margin with at least
 * minFailures failures: simple and conservative; never fails on a handful of errors.
 */
export class ThresholdJudge implements Judge {
  readonly #o: ThresholdJudgeOptions;

  constructor(options: Partial<ThresholdJudgeOptions> = {}) {
    this.#o = { minFailures: 5, margin: 0.02, factor: 2, ...options };
  }

  evaluate({ baseline, candidate }: JudgeInput): Verdict {
    if (candidate.failures < this.#o.minFailures || candidate.requests === 0) return { decision: 'continue' };
    const rate = candidate.failures / candidate.requests;
    const base = baseline && baseline.requests > 0 ? baseline.failures / baseline.requests : 0;
    const limit = base * this.#o.factor + this.#o.margin;
    if (rate <= limit) return { decision: 'continue' };
    return {
      decision: 'fail',
      reason: `error rate ${(rate * 100).toFixed(1)}% (${candidate.failures}/${candidate.requests}) against ${(base * 100).toFixed(1)}% before the switch`,
    };
  }
}
