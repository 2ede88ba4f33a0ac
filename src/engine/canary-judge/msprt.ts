/**
 * # The mixture sequential probability ratio test behind the canary judge
 *
 * **What is tested.** The proxy routes each request to the canary at random; in a given
 * second the canary takes a share s of the requests (s = canary requests / all requests of
 * the service, as counted). Suppose the canary fails a request with probability r_c and the
 * stable release with r_s. A failed request then came from the canary with probability
 *
 *     p = s·θ / (s·θ + 1 − s),   θ = r_c / r_s  (the relative risk)
 *
 * The null hypothesis is "the canary is no worse": θ ≤ 1, hence p ≤ s. Nothing else enters:
 * not the base error rate, not the load, not an outage that raises both r_c and r_s by the
 * same factor (θ stays 1). Only the failures carry evidence; successes do not.
 *
 * **The statistic.** For one relative risk θ > 1, the likelihood ratio of "θ" against "1"
 * for k canary failures out of K failures in a second of share s is
 *
 *     θ^k / (1 + s·(θ − 1))^K
 *
 * and the ratio after many seconds is the product over seconds (each with its own share, so
 * weight changes and uneven routing are handled exactly). θ is unknown, so the test averages
 * that ratio over a prior on θ: a discrete log-normal mixture over a grid of relative risks
 * from ×1.1 to ×2000 (the "mixture"). A discrete prior is still a prior: no numerical
 * integration error, and every grid point's log ratio is kept as a running sum, updated only
 * in seconds that saw a failure, and combined with log-sum-exp, so counts in the billions
 * neither overflow nor lose precision.
 *
 * **Why the false-rollback rate stays ≤ α however often we look.** Under the null, one
 * second's factor has expectation at most 1: with routing fixed, the canary's failures among
 * K follow a hypergeometric law (equal rates) which is less spread than the binomial with
 * p = s, whose expectation of θ^k is exactly (1 + s(θ − 1))^K; and θ_true < 1 only lowers it.
 * So each grid point's ratio, and therefore their prior-weighted average, is a nonnegative
 * supermartingale starting at 1. Ville's inequality bounds the chance that such a process
 * *ever* reaches 1/α by α: checking every second, every minute or after every request gives
 * the same guarantee, with no correction for peeking and no fixed sample size. The judge
 * runs three such tests (errors, slower than stable's p95, slower than its p99) at α split
 * 0.004 / 0.003 / 0.003 (by default), so by the union bound the whole judge stays ≤ α = 0.01
 * per deploy.
 *
 * **Why per second, with the share as counted.** Conditioning on where requests actually
 * went (rather than on the configured weight) keeps the test exact under sticky routing and
 * weight changes. Seconds are the unit because conditions may change from one second to the
 * next (an outage starts) but hit both releases alike within one; pooling several seconds
 * with different shares would let an outage that lands on a canary-heavy moment look like
 * evidence. A second in which only one release got requests carries no evidence (s = 0 or 1),
 * which is why very quiet services lean on the consecutive-failure rule (canary-judge.ts).
 *
 * **Latency uses the same test.** "Slow" means above stable's recent p95 (or p99) bucket
 * boundary, computed from earlier seconds only; under the null a slow request comes from
 * the canary with probability at most its share of the answered requests.
 *
 * **Margins (non-inferiority).** The judge does not test "no worse at all" but "no worse by
 * more than a margin". Errors: each stable success also counts as a stable event with
 * probability δ; under "r_c ≤ r_s + δ·(1 − r_s)" a canary event is then no likelier than a
 * stable one, and the test above applies unchanged. The judge adds the expected number of
 * such events, δ × stable successes, instead of drawing them: the per-second factor is
 * θ^k·c^(−K) with c > 1, convex in the stable events, so by Jensen the expected count gives a
 * factor no larger than the average over the random draws, whose expectation is ≤ 1 under
 * the null; the product stays a supermartingale. Latency: a stable request is slow above
 * stable's quantile t, a canary request above t·(1 + m) + a (rounded up to a bucket bound);
 * under "P(canary > t(1 + m) + a) ≤ P(stable > t)" the same bound holds.
 *
 * **Caveats (documented trade-offs).** Requests must be assigned independently of their
 * outcome: sticky sessions count by assignment, so one client pinned to the canary that
 * causes its own 5xx can look like a canary regression. Evidence under the null drifts
 * negative over time, so a regression that starts an hour into a healthy canary is caught
 * later than one present from the start (canaries are short: the regression is the release).
 */

export interface MixturePrior {
  /** Relative risks θ > 1 (canary failure rate / stable failure rate) the mixture covers. */
  readonly ratios: readonly number[];
  /** Prior weight of each ratio; positive, normalized by the test. */
  readonly weights: readonly number[];
}

export interface PriorShape {
  readonly min: number;
  readonly max: number;
  readonly points: number;
  /** Log-normal centre (a relative risk) and spread (in natural-log units). */
  readonly centre: number;
  readonly spread: number;
}

/** The default prior, chosen by simulation (BENCHMARKS.md, "Canary judge"). */
export const DEFAULT_PRIOR_SHAPE: PriorShape = { min: 1.1, max: 2000, points: 32, centre: 8, spread: 2 };

/** A grid of relative risks, evenly spaced in log θ, weighted by a log-normal density. */
export function logNormalPrior(shape: PriorShape = DEFAULT_PRIOR_SHAPE): MixturePrior {
  const { min, max, points, centre, spread } = shape;
  if (!(min > 1 && max > min && points >= 2 && spread > 0 && centre > 0)) {
    throw new RangeError(`invalid prior shape ${JSON.stringify(shape)}`);
  }
  const lo = Math.log(min);
  const step = (Math.log(max) - lo) / (points - 1);
  const ratios: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < points; i++) {
    const u = lo + i * step;
    ratios.push(Math.exp(u));
    const z = (u - Math.log(centre)) / spread;
    weights.push(Math.exp(-0.5 * z * z));
  }
  return { ratios, weights };
}

/** log(Σ exp(x_i + y_i)), computed without overflow or underflow. */
export function logSumExp(x: ArrayLike<number>, y?: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) max = Math.max(max, (x[i] ?? 0) + (y?.[i] ?? 0));
  if (max === -Infinity) return -Infinity;
  if (max === Infinity) return Infinity;
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.exp((x[i] ?? 0) + (y?.[i] ?? 0) - max);
  return max + Math.log(sum);
}

/** Log likelihood ratio, θ against 1, of `canary` failures out of `total` at canary share s. */
export function logRatioAt(theta: number, share: number, canary: number, total: number): number {
  if (total === 0) return 0;
  return canary * Math.log(theta) - total * Math.log1p(share * (theta - 1));
}

/**
 * One running mixture SPRT: "a counted event (failure, slow request) came from the canary
 * with probability no more than its share of the traffic".
 */
export class MixtureSprt {
  readonly #logTheta: Float64Array;
  readonly #thetaMinusOne: Float64Array;
  readonly #logPrior: Float64Array;
  readonly #logRatio: Float64Array;
  #logE = 0;
  #canary = 0;
  #stable = 0;
  #expected = 0;

  constructor(prior: MixturePrior = logNormalPrior()) {
    const n = prior.ratios.length;
    if (n === 0 || prior.weights.length !== n) throw new RangeError('prior needs as many weights as ratios, at least one');
    const total = prior.weights.reduce((a, b) => a + b, 0);
    this.#logTheta = new Float64Array(n);
    this.#thetaMinusOne = new Float64Array(n);
    this.#logPrior = new Float64Array(n);
    this.#logRatio = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const theta = prior.ratios[i] ?? NaN;
      const weight = prior.weights[i] ?? NaN;
      if (!(theta > 1 && Number.isFinite(theta) && weight > 0 && Number.isFinite(weight))) {
        throw new RangeError(`prior point ${i}: ratio must be finite and > 1, weight finite and > 0`);
      }
      this.#logTheta[i] = Math.log(theta);
      this.#thetaMinusOne[i] = theta - 1;
      this.#logPrior[i] = Math.log(weight / total);
    }
  }

  /**
   * Adds one interval: `canary` of `total` counted events came from the canary, which had
   * `share` (0..1) of the requests in that interval.
   */
  update(share: number, canary: number, total: number): void {
    if (!(share >= 0 && share <= 1) || !(canary >= 0 && canary <= total) || !Number.isFinite(total)) {
      throw new RangeError(`invalid update: share ${share}, ${canary} of ${total}`);
    }
    if (total === 0) return;
    this.#canary += canary;
    this.#stable += total - canary;
    this.#expected += share * total;
    const ratio = this.#logRatio;
    for (let i = 0; i < ratio.length; i++) {
      ratio[i] = (ratio[i] ?? 0) + canary * (this.#logTheta[i] ?? 0) - total * Math.log1p(share * (this.#thetaMinusOne[i] ?? 0));
    }
    this.#logE = logSumExp(this.#logPrior, ratio);
  }

  /** Natural log of the e-value (mixture likelihood ratio); 0 before any event. */
  get logE(): number {
    return this.#logE;
  }

  /** Events counted on each side, and how many the canary would have had at its share. */
  get counts(): { readonly canary: number; readonly stable: number; readonly expectedCanary: number } {
    return { canary: this.#canary, stable: this.#stable, expectedCanary: this.#expected };
  }
}
