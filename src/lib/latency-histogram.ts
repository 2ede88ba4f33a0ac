/** Upper bounds (ms) of the latency buckets the proxy counts; the last bucket is +Inf. */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000,
  10000, 30000,
];

/** Cumulative-free bucket counts: counts[i] is the number of samples in (bound[i-1], bound[i]]. */
export interface LatencyHistogram {
  counts: number[];
  sum: number;
  count: number;
}

export function emptyHistogram(): LatencyHistogram {
  return { counts: new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0), sum: 0, count: 0 };
}

export function observe(h: LatencyHistogram, ms: number): void {
  let i = 0;
  while (i < LATENCY_BOUNDS_MS.length && ms > (LATENCY_BOUNDS_MS[i] ?? Infinity)) i++;
  h.counts[i] = (h.counts[i] ?? 0) + 1;
  h.sum += ms;
  h.count += 1;
}

/** b - a, bucket by bucket: the samples observed between two snapshots. */
export function subtract(b: LatencyHistogram, a: LatencyHistogram | undefined): LatencyHistogram {
  if (!a) return { counts: [...b.counts], sum: b.sum, count: b.count };
  return {
    counts: b.counts.map((c, i) => c - (a.counts[i] ?? 0)),
    sum: b.sum - a.sum,
    count: b.count - a.count,
  };
}

export function merge(a: LatencyHistogram, b: LatencyHistogram): LatencyHistogram {
  return {
    counts: a.counts.map((c, i) => c + (b.counts[i] ?? 0)),
    sum: a.sum + b.sum,
    count: a.count + b.count,
  };
}

/** Estimated quantile (0..1) in ms, interpolating linearly inside the bucket; undefined when empty. */
export function quantile(h: LatencyHistogram, q: number): number | undefined {
  if (h.count <= 0) return undefined;
  const rank = q * h.count;
  let seen = 0;
  for (let i = 0; i < h.counts.length; i++) {
    const inBucket = h.counts[i] ?? 0;
    if (inBucket > 0 && seen + inBucket >= rank) {
      const lower = i === 0 ? 0 : (LATENCY_BOUNDS_MS[i - 1] ?? 0);
      const upper = LATENCY_BOUNDS_MS[i] ?? lower * 2;
      const fraction = (rank - seen) / inBucket;
      return lower + (upper - lower) * Math.min(1, Math.max(0, fraction));
    }
    seen += inBucket;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1];
}
