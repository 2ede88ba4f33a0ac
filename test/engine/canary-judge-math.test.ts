import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logNormalPrior, logRatioAt, logSumExp, MixtureSprt } from '../../src/engine/canary-judge/msprt.js';
import { countAbove, StableLatencyWindow } from '../../src/engine/canary-judge/latency-threshold.js';
import { latencyModel, logNormalCdf, normalCdf } from '../../src/engine/canary-judge/latency-model.js';
import { runSeed, seededRandom } from '../../src/engine/canary-judge/prng.js';

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} ≉ ${b}`);

test('likelihood ratio at one relative risk: known values', () => {
  // θ = 3, share ½: a canary failure is 3/2 times likelier, a stable one 1/2 as likely.
  close(logRatioAt(3, 0.5, 2, 2), Math.log(9 / 4));
  close(logRatioAt(3, 0.5, 0, 2), Math.log(1 / 4));
  close(logRatioAt(3, 0.5, 1, 2), Math.log(3 / 4));
  // Share 1 or 0: where the failure came from says nothing.
  close(logRatioAt(50, 1, 7, 7), 0);
  close(logRatioAt(50, 0, 0, 7), 0);
  close(logRatioAt(2, 0.25, 0, 0), 0);
});

test('mixture: equals the prior-weighted average of the ratios, summed over seconds of different shares', () => {
  const prior = { ratios: [2, 5], weights: [3, 1] };
  const sprt = new MixtureSprt(prior);
  const seconds: [number, number, number][] = [
    [0.05, 1, 3],
    [0.25, 0, 4],
    [0.5, 3, 3],
    [0.1, 0, 0],
  ];
  for (const [s, k, n] of seconds) sprt.update(s, k, n);
  const ratio = (theta: number) => seconds.reduce((acc, [s, k, n]) => acc * theta ** k / (1 + s * (theta - 1)) ** n, 1);
  close(sprt.logE, Math.log(0.75 * ratio(2) + 0.25 * ratio(5)));
  assert.deepEqual(sprt.counts, { canary: 4, stable: 6, expectedCanary: 0.05 * 3 + 0.25 * 4 + 0.5 * 3 });
});

test('mixture: its expectation under the null is exactly 1 for one second (binomial), below 1 when the canary is better', () => {
  const prior = logNormalPrior();
  for (const [share, total] of [
    [0.05, 12],
    [0.25, 30],
    [0.5, 9],
  ] as const) {
    const expectation = (p: number) => {
      let sum = 0;
      for (let k = 0; k <= total; k++) {
        const sprt = new MixtureSprt(prior);
        sprt.update(share, k, total);
        sum += binomial(total, k) * p ** k * (1 - p) ** (total - k) * Math.exp(sprt.logE);
      }
      return sum;
    };
    close(expectation(share), 1, 1e-9);
    assert.ok(expectation(share * 0.5) < 1);
    assert.ok(expectation(Math.min(1, share * 3)) > 1);
  }
});

test('log space: huge counts stay finite and exact where the closed form is known', () => {
  const one = new MixtureSprt({ ratios: [4], weights: [1] });
  one.update(0.1, 3e9, 1e10);
  close(one.logE, 3e9 * Math.log(4) - 1e10 * Math.log1p(0.3));
  assert.ok(Number.isFinite(one.logE) && one.logE > 1e9);

  const mix = new MixtureSprt();
  for (let i = 0; i < 1000; i++) mix.update(0.05, 5e6, 1e8); // exactly the share: evidence against
  assert.ok(Number.isFinite(mix.logE) && mix.logE < 0, `logE ${mix.logE}`);
  const sure = new MixtureSprt();
  for (let i = 0; i < 1000; i++) sure.update(0.05, 1e8, 1e8); // every failure on the canary
  assert.ok(Number.isFinite(sure.logE) && sure.logE > 1e10, `logE ${sure.logE}`);

  close(logSumExp([1000, 1000]), 1000 + Math.LN2);
  close(logSumExp([-1000, -1000]), -1000 + Math.LN2);
  close(logSumExp([0, -Infinity], [Math.log(0.25), 0]), Math.log(0.25));
  assert.equal(logSumExp([-Infinity]), -Infinity);
});

test('evidence is monotonic: more canary failures, or a smaller canary share, is more evidence', () => {
  let last = -Infinity;
  for (let k = 0; k <= 20; k++) {
    const sprt = new MixtureSprt();
    sprt.update(0.1, k, 20);
    assert.ok(sprt.logE > last, `k=${k}`);
    last = sprt.logE;
  }
  last = Infinity;
  for (const share of [0.01, 0.05, 0.1, 0.25, 0.5, 0.9]) {
    const sprt = new MixtureSprt();
    sprt.update(share, 5, 10);
    assert.ok(sprt.logE < last, `share=${share}`);
    last = sprt.logE;
  }
  const sprt = new MixtureSprt();
  sprt.update(0.2, 2, 4);
  const before = sprt.logE;
  sprt.update(0.2, 1, 1);
  assert.ok(sprt.logE > before, 'a canary-only failure adds evidence');
  const after = sprt.logE;
  sprt.update(0.2, 0, 1);
  assert.ok(sprt.logE < after, 'a stable-only failure removes evidence');
});

test('mixture: rejects bad priors and bad updates', () => {
  assert.throws(() => new MixtureSprt({ ratios: [1], weights: [1] }), RangeError);
  assert.throws(() => new MixtureSprt({ ratios: [2, 3], weights: [1] }), RangeError);
  assert.throws(() => logNormalPrior({ min: 0.5, max: 10, points: 4, centre: 2, spread: 1 }), RangeError);
  const sprt = new MixtureSprt();
  assert.throws(() => sprt.update(1.5, 0, 1), RangeError);
  assert.throws(() => sprt.update(0.5, 3, 2), RangeError);
  assert.throws(() => sprt.update(0.5, -1, 2), RangeError);
  assert.equal(sprt.logE, 0);
});

test('stable latency window: threshold bucket of a quantile over the last seconds only', () => {
  const window = new StableLatencyWindow(5, 2);
  assert.equal(window.thresholdIndex(0.95, 10), undefined);
  window.push([50, 30, 15, 4, 1]); // 100 samples: 5 above bucket 2, 1 above bucket 3
  assert.equal(window.thresholdIndex(0.95, 10), 2);
  assert.equal(window.thresholdIndex(0.99, 10), 3);
  assert.equal(window.thresholdIndex(0.5, 10), 0); // 50 above bucket 0: exactly the allowed half
  window.push([100, 0, 0, 0, 0]);
  assert.equal(window.total, 200);
  assert.equal(window.thresholdIndex(0.95, 10), 2); // 5 of 200 above 2 ≤ 10, 20 above 1 > 10
  window.push([0, 0, 0, 0, 100]); // the first second leaves the window
  assert.equal(window.total, 200);
  assert.equal(window.thresholdIndex(0.95, 10), 4);
  assert.equal(countAbove([1, 2, 3, 4, 5], 2), 9);
  assert.equal(countAbove([1, 2, 3, 4, 5], 4), 0);
});

test('latency model: bucket probabilities of a known distribution, and sampling matches them', () => {
  close(normalCdf(0), 0.5, 1e-7);
  close(normalCdf(1.959964), 0.975, 1e-6);
  close(normalCdf(-2.326348), 0.01, 1e-5);
  const model = latencyModel(logNormalCdf(40, 0.6));
  close(model.probabilities.reduce((a, b) => a + b, 0), 1);
  const random = seededRandom(42);
  const counts = new Array<number>(model.probabilities.length).fill(0);
  const n = 200_000;
  for (let i = 0; i < n; i++) {
    const b = model.sample(random);
    counts[b] = (counts[b] ?? 0) + 1;
  }
  model.probabilities.forEach((p, i) => {
    const sd = Math.sqrt(n * p * (1 - p));
    assert.ok(Math.abs((counts[i] ?? 0) - n * p) <= 5 * sd + 1, `bucket ${i}: ${counts[i]} vs ${n * p}`);
  });
});

test('seeded random source: reproducible, uniform enough, distinct streams per run', () => {
  const a = seededRandom(7);
  const b = seededRandom(7);
  for (let i = 0; i < 100; i++) assert.equal(a(), b());
  assert.notEqual(seededRandom(runSeed(1, 0))(), seededRandom(runSeed(1, 1))());
  const random = seededRandom(123);
  const bins = new Array<number>(10).fill(0);
  const n = 100_000;
  for (let i = 0; i < n; i++) {
    const u = random();
    assert.ok(u >= 0 && u < 1);
    bins[Math.floor(u * 10)]! += 1;
  }
  const chi2 = bins.reduce((s, c) => s + (c - n / 10) ** 2 / (n / 10), 0);
  assert.ok(chi2 < 27.9, `chi² ${chi2} (9 degrees of freedom, p = 0.001 at 27.9)`);
});

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}
