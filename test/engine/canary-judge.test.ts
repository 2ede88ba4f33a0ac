import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyHistogram, LATENCY_BOUNDS_MS } from '../../src/lib/latency-histogram.js';
import { CanaryJudge, countsFromStats, type CanarySnapshot } from '../../src/engine/canary-judge/canary-judge.js';

const BUCKETS = LATENCY_BOUNDS_MS.length + 1;
const FAST = 8; // the 20–30 ms bucket
const SLOW = 17; // the 750–1000 ms bucket

/** Cumulative counters the test advances second by second, the way the proxy does. */
class Traffic {
  readonly stable = { requests: 0, failures: 0, latency: emptyHistogram() };
  readonly canary = { requests: 0, failures: 0, latency: emptyHistogram() };
  t = 0;

  constructor(
    readonly weight = 0.1,
    readonly instances?: { stable: number; canary: number },
  ) {}

  /** One second: [requests, failures, slow requests] per release; the rest answer fast. */
  second(stable: [number, number, number?], canary: [number, number, number?]): CanarySnapshot {
    this.t += 1000;
    for (const [side, [requests, failures, slow = 0]] of [
      [this.stable, stable],
      [this.canary, canary],
    ] as const) {
      side.requests += requests;
      side.failures += failures;
      side.latency.counts[SLOW]! += slow;
      side.latency.counts[FAST]! += requests - slow;
      side.latency.count += requests;
    }
    return this.snapshot();
  }

  snapshot(): CanarySnapshot {
    return { atMs: this.t, weight: this.weight, stable: this.stable, canary: this.canary, ...(this.instances ? { instances: this.instances } : {}) };
  }
}

test('a canary that fails far more than its share is rolled back, with the evidence, and the verdict is final', () => {
  const judge = new CanaryJudge();
  const traffic = new Traffic(0.1);
  assert.equal(judge.observe(traffic.snapshot()).decision, 'continue');
  let verdict = judge.observe(traffic.second([90, 1], [10, 0]));
  assert.equal(verdict.decision, 'continue');
  for (let i = 0; i < 20 && verdict.decision === 'continue'; i++) verdict = judge.observe(traffic.second([90, 1], [10, 3]));
  assert.equal(verdict.decision, 'rollback');
  assert.equal(verdict.cause, 'errors');
  assert.match(verdict.reason, /^errors: the canary failed \d+ of \d+ requests \(\d+(\.\d+)? %\), the stable release \d+ of \d+ requests .*; margin 0\.2 pp \(evidence/);
  const e = verdict.evidence.errors;
  assert.ok(verdict.reason.includes(`failed ${e.canary} of ${e.canaryRequests} requests`), 'the reason quotes the evidence');
  assert.ok(verdict.evidence.errors.logE >= verdict.evidence.errors.logThreshold);
  close(verdict.evidence.errors.logThreshold, Math.log(250));
  assert.equal(verdict.evidence.p95.alpha, 0.003);
  assert.equal(verdict.totals.canary.requests, verdict.totals.stable.requests / 9);
  // Good seconds afterwards do not undo a rollback.
  assert.equal(judge.observe(traffic.second([90, 0], [10, 0])), verdict);
});

test('failures in proportion to the share are no evidence, whatever the error rate', () => {
  const judge = new CanaryJudge();
  const traffic = new Traffic(0.25);
  judge.observe(traffic.snapshot());
  for (let i = 0; i < 600; i++) {
    const v = judge.observe(traffic.second([75, 30], [25, 10])); // 40 % errors on both sides
    assert.equal(v.decision, 'continue');
  }
  const v = judge.observe(traffic.second([75, 0], [25, 0]));
  assert.ok(v.evidence.errors.logE < 0, 'evidence points the other way');
  assert.equal(v.evidence.errors.canary, 6000);
  assert.equal(v.evidence.errors.canaryRequests, 15_025);
  // Expected at its share, counting the margin's share of stable successes as stable events.
  close(v.evidence.errors.expectedCanary, 0.25 * (24_000 + 0.002 * 27_075), 1e-6);
});

test('bad input pauses without promoting and without corrupting the counts', () => {
  const judge = new CanaryJudge();
  const traffic = new Traffic(0.1);
  judge.observe(traffic.snapshot());
  judge.observe(traffic.second([90, 0], [10, 0]));
  const bad = { ...traffic.snapshot(), atMs: traffic.t + 1000, weight: 2 };
  let v = judge.observe(bad);
  assert.equal(v.decision, 'pause');
  assert.match(v.reason, /weight 2 is outside 0\.\.1/);
  v = judge.observe({ ...traffic.snapshot(), atMs: traffic.t + 1000, canary: { ...traffic.canary, failures: 1.5 } });
  assert.equal(v.decision, 'pause');
  // The proxy restarted: counters start again from zero. One paused second, then judging resumes.
  const restarted = new Traffic(0.1);
  restarted.t = traffic.t + 2000;
  v = judge.observe(restarted.snapshot());
  assert.equal(v.decision, 'pause');
  assert.match(v.reason, /went backwards/);
  v = judge.observe(restarted.second([90, 0], [10, 0]));
  assert.equal(v.decision, 'continue');
  assert.equal(v.totals.canary.requests, 20);
});

test('an error inside the judge pauses, never promotes nor rolls back', () => {
  const judge = new CanaryJudge();
  const traffic = new Traffic(0.1);
  judge.observe(traffic.snapshot());
  const throwing = {
    ...traffic.second([90, 0], [10, 0]),
    get weight(): number {
      throw new Error('boom');
    },
  };
  const v = judge.observe(throwing);
  assert.equal(v.decision, 'pause');
  assert.equal(v.reason, 'judge error: boom');
  assert.equal(judge.observe(traffic.second([90, 0], [10, 0])).decision, 'continue');
});

test('not enough data: a canary with weight but no requests for a minute pauses', () => {
  const judge = new CanaryJudge();
  const traffic = new Traffic(0.05);
  judge.observe(traffic.snapshot());
  let v = judge.observe(traffic.second([1, 0], [1, 0]));
  for (let i = 0; i < 59; i++) v = judge.observe(traffic.second([1, 0], [0, 0]));
  assert.equal(v.decision, 'continue');
  v = judge.observe(traffic.second([1, 0], [0, 0]));
  assert.equal(v.decision, 'pause');
  assert.match(v.reason, /^not enough data: no request reached the canary in 60 s/);
  assert.equal(judge.observe(traffic.second([1, 0], [1, 0])).decision, 'continue');
  const idle = new CanaryJudge();
  const zero = new Traffic(0);
  idle.observe(zero.snapshot());
  for (let i = 0; i < 90; i++) v = idle.observe(zero.second([1, 0], [0, 0]));
  assert.equal(v.decision, 'continue', 'weight 0: nothing is expected of the canary');
});

test('five canary failures in a row roll back at once; a canary success or a stable failure breaks the run', () => {
  const run = (seconds: [[number, number], [number, number]][]) => {
    const judge = new CanaryJudge();
    const traffic = new Traffic(0.5);
    judge.observe(traffic.snapshot());
    return seconds.map(([s, c]) => judge.observe(traffic.second(s, c)));
  };
  // A quiet service: one or two requests a second.
  let verdicts = run([
    [[1, 0], [1, 1]],
    [[0, 0], [2, 2]],
    [[1, 0], [0, 0]],
    [[0, 0], [2, 2]],
  ]);
  assert.equal(verdicts.at(-1)?.decision, 'rollback');
  assert.equal(verdicts.at(-1)?.cause, 'consecutive');
  assert.match(verdicts.at(-1)?.reason ?? '', /^5 canary failures in a row while the stable release had none/);
  verdicts = run([
    [[1, 0], [2, 2]],
    [[0, 0], [2, 1]], // one canary success
    [[1, 0], [2, 2]],
    [[0, 0], [1, 1]],
  ]);
  assert.equal(verdicts.at(-1)?.streak, 3);
  assert.ok(verdicts.every((v) => v.decision === 'continue'));
  verdicts = run([
    [[1, 0], [2, 2]],
    [[2, 1], [2, 2]], // the stable release failed too
    [[1, 0], [2, 2]],
  ]);
  assert.equal(verdicts.at(-1)?.streak, 2);
  const off = new CanaryJudge({ consecutiveFailures: 0 });
  const traffic = new Traffic(0.5);
  off.observe(traffic.snapshot());
  assert.equal(off.observe(traffic.second([0, 0], [6, 6])).decision, 'continue');
});

test('warm-up: the canary\'s first 30 s of latency are ignored, never its errors', () => {
  const slowStart = (judge: CanaryJudge) => {
    const traffic = new Traffic(0.25);
    judge.observe(traffic.snapshot());
    for (let s = 1; s <= 30; s++) {
      const v = judge.observe(traffic.second([75, 0, 1], [25, 0, 10])); // 40 % of the canary slow
      if (v.decision !== 'continue') return v;
    }
    return judge.observe(traffic.second([75, 0, 1], [25, 0, 0]));
  };
  assert.equal(slowStart(new CanaryJudge()).decision, 'continue');
  const strict = slowStart(new CanaryJudge({ warmupMs: 0 }));
  assert.equal(strict.decision, 'rollback');
  assert.match(strict.cause ?? '', /^p9[59]$/);

  const judge = new CanaryJudge();
  const traffic = new Traffic(0.25);
  judge.observe(traffic.snapshot());
  let v = judge.observe(traffic.second([75, 1], [25, 0]));
  for (let s = 2; s <= 30 && v.decision === 'continue'; s++) v = judge.observe(traffic.second([75, 1], [25, 10]));
  assert.equal(v.decision, 'rollback', 'errors count from the first second');
  assert.equal(v.cause, 'errors');
});

test('latency: slower than stable\'s current p95 after the warm-up is rolled back, with the threshold shown', () => {
  const judge = new CanaryJudge();
  const traffic = new Traffic(0.25);
  judge.observe(traffic.snapshot());
  let v = judge.observe(traffic.second([75, 0, 3], [25, 0, 1]));
  for (let s = 2; s <= 30; s++) v = judge.observe(traffic.second([75, 0, 3], [25, 0, 1]));
  assert.equal(v.decision, 'continue');
  assert.equal(v.evidence.p95.thresholdMs, LATENCY_BOUNDS_MS[FAST]); // 4 % of stable above 50 ms
  for (let s = 31; s <= 120 && v.decision === 'continue'; s++) v = judge.observe(traffic.second([75, 0, 3], [25, 0, 4]));
  assert.equal(v.decision, 'rollback');
  assert.equal(v.cause, 'p95');
  assert.match(v.reason, /^p95: \d+ of \d+ canary requests \(\d+(\.\d+)? %\) took over 50 ms \(stable's p95 30 ms \+ 20 % \+ 5 ms\)/);
  assert.equal(v.evidence.p95.canaryThresholdMs, 50);
});

/** 150 s of a canary whose every request is slow (after a 0 s warm-up). */
function allSlow(judge: CanaryJudge, traffic: Traffic, [stable, canary]: [number, number]) {
  judge.observe(traffic.snapshot());
  let v = judge.observe(traffic.second([stable, 0], [canary, 0]));
  for (let s = 0; s < 150 && v.decision === 'continue'; s++) v = judge.observe(traffic.second([stable, 0], [canary, 0, canary]));
  return v;
}

test('load guard: latency is judged only while a canary instance carries at most 2× a stable instance\'s load', () => {
  // 95 % on one canary instance against 5 % on one stable instance: 19× the load, not judged.
  let v = allSlow(new CanaryJudge({ warmupMs: 0 }), new Traffic(0.95, { stable: 1, canary: 1 }), [5, 95]);
  assert.equal(v.decision, 'continue');
  assert.match(v.evidence.p95.idle ?? '', /^a canary instance carries 19\.0× the load of a stable one \(limit 2×\)/);
  assert.equal(v.evidence.p95.canaryRequests, 0);
  // The same weights over 19 canary instances: equal per-instance load, judged and rolled back.
  v = allSlow(new CanaryJudge({ warmupMs: 0 }), new Traffic(0.95, { stable: 1, canary: 19 }), [5, 95]);
  assert.equal(v.decision, 'rollback');
  // A canary lighter than stable (5 %, one instance each) is judged: the difference favours it.
  v = allSlow(new CanaryJudge({ warmupMs: 0 }), new Traffic(0.05, { stable: 1, canary: 1 }), [95, 5]);
  assert.equal(v.decision, 'rollback');
  // Errors are judged whatever the load.
  const judge = new CanaryJudge();
  const traffic = new Traffic(0.95, { stable: 1, canary: 1 });
  judge.observe(traffic.snapshot());
  v = judge.observe(traffic.second([5, 0], [95, 0]));
  for (let s = 0; s < 60 && v.decision === 'continue'; s++) v = judge.observe(traffic.second([5, 0], [95, 20]));
  assert.equal(v.cause, 'errors');
});

test('margins: a canary a little worse than stable is promoted, one worse by more than the margin is not', () => {
  const run = (judge: CanaryJudge, canaryFailures: number) => {
    const traffic = new Traffic(0.5);
    judge.observe(traffic.snapshot());
    let v = judge.observe(traffic.second([500, 0], [500, 0]));
    for (let s = 0; s < 600 && v.decision === 'continue'; s++) v = judge.observe(traffic.second([500, s % 2], [500, canaryFailures]));
    return v;
  };
  // Stable 0.1 %, canary 0.2 %: +0.1 pp, inside the default 0.2 pp margin; without a margin, rolled back.
  assert.equal(run(new CanaryJudge(), 1).decision, 'continue');
  assert.equal(run(new CanaryJudge({ errorMargin: 0 }), 1).decision, 'rollback');
  // +1 pp: beyond the margin.
  assert.equal(run(new CanaryJudge(), 5).cause, 'errors');

  // Latency: stable has 4 % of its requests in 30–50 ms, the canary 10 %: slower than stable's
  // p95 bound (30 ms), but not beyond 30 ms + 20 % + 5 ms = 41 ms (rounded up to the 50 ms bound).
  const near = (options: ConstructorParameters<typeof CanaryJudge>[0]) => {
    const judge = new CanaryJudge({ warmupMs: 0, ...options });
    const stable = emptyHistogram();
    const canary = emptyHistogram();
    let t = 0;
    const snap = () => ({ atMs: (t += 1000), weight: 0.5, stable: { requests: stable.count, failures: 0, latency: stable }, canary: { requests: canary.count, failures: 0, latency: canary } });
    judge.observe(snap());
    let v = judge.observe(snap());
    for (let s = 0; s < 300 && v.decision === 'continue'; s++) {
      stable.counts[FAST]! += 96; // 20–30 ms
      stable.counts[FAST + 1]! += 4; // 30–50 ms
      stable.count += 100;
      canary.counts[FAST]! += 90;
      canary.counts[FAST + 1]! += 10;
      canary.count += 100;
      v = judge.observe(snap());
    }
    return v;
  };
  assert.equal(near({}).decision, 'continue');
  assert.equal(near({ latencyMargin: { relative: 0, ms: 0 } }).decision, 'rollback');
});

test('a test turned off (α 0) never rolls back and says so', () => {
  const judge = new CanaryJudge({ alpha: { errors: 0, p95: 0.003, p99: 0.003 }, consecutiveFailures: 0 });
  const traffic = new Traffic(0.5);
  judge.observe(traffic.snapshot());
  let v = judge.observe(traffic.second([50, 0], [50, 0]));
  for (let s = 0; s < 60; s++) v = judge.observe(traffic.second([50, 0], [50, 25]));
  assert.equal(v.decision, 'continue');
  assert.equal(v.evidence.errors.idle, 'turned off');
  assert.equal(v.evidence.errors.logThreshold, Infinity);
});

test('countsFromStats: 5xx, connection errors and timeouts are failures; 4xx are not counted by the proxy', () => {
  const latency = emptyHistogram();
  const counts = countsFromStats({ requests: 10, errors5xx: 2, connErrors: 1, timeouts: 1, latency });
  assert.deepEqual(counts, { requests: 10, failures: 4, latency });
  assert.equal(countsFromStats(undefined).latency.counts.length, BUCKETS);
});

function close(a: number, b: number, tol = 1e-9): void {
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} ≉ ${b}`);
}
