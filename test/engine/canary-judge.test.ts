import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyHistogram, LATENCY_BOUNDS_MS } from '../../src/lib/latency-histogram.js';
import { CanaryJudge, countsFromStats, type CanarySnapshot } from '../../src/engine/canary-judge/canary-judge.js';

const BUCKETS = LATENCY_BOUNDS_MS.length + 1;
const FAST = 8; // the 30–50 ms bucket
const SLOW = 17; // the 750–1000 ms bucket

/** Cumulative counters the test advances second by second, the way the proxy does. */
class Traffic {
  readonly stable = { requests: 0, failures: 0, latency: emptyHistogram() };
  readonly canary = { requests: 0, failures: 0, latency: emptyHistogram() };
  t = 0;

  constructor(readonly weight = 0.1) {}

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
    return { atMs: this.t, weight: this.weight, stable: this.stable, canary: this.canary };
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
  assert.match(verdict.reason, /^errors: \d+ of \d+ failed requests came from the canary where its share of traffic predicts \d+\.\d/);
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
  close(v.evidence.errors.expectedCanary, 6000);
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
  assert.match(v.reason, /requests slower than stable's p95 came from the canary/);
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
