/**
 * A small seeded random source for simulations: a Weyl sequence (add the golden-ratio
 * constant) passed through a 32-bit integer finalizer (xor-shift / multiply rounds). Fast,
 * passes the usual smoke tests for this use, and reproducible from one 32-bit seed: the
 * same seed gives the same run on every machine and Node version.
 */
export type Random = () => number;

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 4294967296;
  };
}

/** A seed for run `index` of a family of runs, so that runs neither overlap nor correlate. */
export function runSeed(family: number, index: number): number {
  let z = Math.imul((family >>> 0) ^ 0x5bd1e995, 0x27d4eb2d) ^ Math.imul(index + 1, 0x165667b1);
  z = Math.imul(z ^ (z >>> 15), 0x85ebca6b);
  z ^= z >>> 13;
  return z >>> 0;
}
