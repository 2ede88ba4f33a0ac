import { LATENCY_BOUNDS_MS } from '../../lib/latency-histogram.js';
import type { Random } from './prng.js';

/** A latency distribution as the proxy sees it: probabilities of its histogram buckets. */
export interface LatencyModel {
  readonly probabilities: readonly number[];
  /** Draws a bucket index in O(1) (Walker's alias method). */
  sample(random: Random): number;
}

export type Cdf = (ms: number) => number;

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 for erf, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Log-normal latency with the given median (ms) and log-space spread. */
export function logNormalCdf(medianMs: number, sigma: number): Cdf {
  return (ms) => (ms <= 0 ? 0 : normalCdf(Math.log(ms / medianMs) / sigma));
}

/** A fraction of requests takes `extraMs` longer. */
export function withTail(base: Cdf, fraction: number, extraMs: number): Cdf {
  return (ms) => (1 - fraction) * base(ms) + fraction * base(ms - extraMs);
}

export function latencyModel(cdf: Cdf): LatencyModel {
  const probabilities: number[] = [];
  let below = 0;
  for (const bound of LATENCY_BOUNDS_MS) {
    const at = cdf(bound);
    probabilities.push(Math.max(0, at - below));
    below = Math.max(below, at);
  }
  probabilities.push(Math.max(0, 1 - below));
  return aliasSampler(probabilities);
}

function aliasSampler(weights: readonly number[]): LatencyModel {
  const n = weights.length;
  const total = weights.reduce((a, b) => a + b, 0);
  const probabilities = weights.map((w) => w / total);
  const cut = new Float64Array(n);
  const alias = new Int32Array(n);
  const scaled = probabilities.map((p) => p * n);
  const small: number[] = [];
  const large: number[] = [];
  scaled.forEach((p, i) => (p < 1 ? small : large).push(i));
  while (small.length > 0 && large.length > 0) {
    const s = small.pop() ?? 0;
    const l = large.pop() ?? 0;
    cut[s] = scaled[s] ?? 0;
    alias[s] = l;
    scaled[l] = (scaled[l] ?? 0) + (scaled[s] ?? 0) - 1;
    ((scaled[l] ?? 0) < 1 ? small : large).push(l);
  }
  for (const i of [...small, ...large]) cut[i] = 1;
  return {
    probabilities,
    sample(random) {
      const u = random() * n;
      const i = Math.floor(u);
      return u - i < (cut[i] ?? 1) ? i : (alias[i] ?? i);
    },
  };
}
