/**
 * "Slower than the stable release's current p95 / p99", turned into countable events.
 *
 * The proxy's latency histogram has fixed buckets, so the threshold is a bucket boundary:
 * the lowest one above which the stable release had at most (1 − q) of its requests over
 * the last `windowS` seconds. A request is "slow" when it falls in a bucket above it.
 * Under the null (the canary's latency is no worse than stable's at any threshold), a slow
 * request comes from the canary with probability at most its share of the traffic: the
 * same test as for failures. The threshold is computed from earlier seconds only, before
 * the current one is counted, so that it cannot depend on the outcomes it judges.
 */
export class StableLatencyWindow {
  readonly #ring: number[][];
  readonly #sum: number[];
  #next = 0;
  #total = 0;

  constructor(
    readonly buckets: number,
    readonly windowS: number,
  ) {
    this.#ring = Array.from({ length: windowS }, () => new Array<number>(buckets).fill(0));
    this.#sum = new Array<number>(buckets).fill(0);
  }

  /** Adds one second of the stable release's latency buckets, dropping the oldest. */
  push(counts: readonly number[]): void {
    const slot = this.#ring[this.#next] ?? [];
    for (let i = 0; i < this.buckets; i++) {
      const add = counts[i] ?? 0;
      this.#sum[i] = (this.#sum[i] ?? 0) - (slot[i] ?? 0) + add;
      this.#total += add - (slot[i] ?? 0);
      slot[i] = add;
    }
    this.#next = (this.#next + 1) % this.windowS;
  }

  get total(): number {
    return this.#total;
  }

  /**
   * Index of the threshold bucket for quantile q: requests in buckets with a higher index are
   * slow. Undefined with fewer than `minSamples` in the window.
   */
  thresholdIndex(q: number, minSamples: number): number | undefined {
    if (this.#total < minSamples || this.#total <= 0) return undefined;
    const allowed = (1 - q) * this.#total;
    let above = 0;
    for (let i = this.buckets - 1; i >= 0; i--) {
      const inBucket = this.#sum[i] ?? 0;
      if (above + inBucket > allowed) return i;
      above += inBucket;
    }
    return 0;
  }
}

/** Requests in buckets above `index`. */
export function countAbove(counts: readonly number[], index: number): number {
  let n = 0;
  for (let i = index + 1; i < counts.length; i++) n += counts[i] ?? 0;
  return n;
}
