// The canary report shows the judge's own numbers: one figure per test per step, equal to what
// the judge used for its verdict (issue 15: a report said "evidence peak 0 %" on the step that
// rolled back). Reads the judge's verdict and the rendered report side by side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyHistogram } from '../../src/lib/latency-histogram.js';
import { CanaryJudge, type CanaryVerdict } from '../../src/engine/canary-judge/canary-judge.js';
import { evidenceShare, raisePeaks, stepTests } from '../../src/engine/canary-report.js';
import { renderResult } from '../../src/cli/render/deploy.js';
import { DeployResultSchema, type DeployResult } from '../../src/api/schemas.js';

function judgeRun(canaryFailures: number, seconds: number): { verdict: CanaryVerdict; peaks: { errors: number; p95: number; p99: number } } {
  const judge = new CanaryJudge();
  const stable = { requests: 0, failures: 0, latency: emptyHistogram() };
  const canary = { requests: 0, failures: 0, latency: emptyHistogram() };
  const peaks = { errors: 0, p95: 0, p99: 0 };
  let verdict = judge.observe({ atMs: 0, weight: 0.1, stable, canary });
  for (let t = 1; t <= seconds && verdict.decision === 'continue'; t++) {
    stable.requests += 90;
    stable.failures += t % 3 === 0 ? 1 : 0;
    canary.requests += 10;
    canary.failures += canaryFailures;
    for (const side of [stable, canary]) {
      side.latency.counts[8] = side.requests;
      side.latency.count = side.requests;
    }
    verdict = judge.observe({ atMs: t * 1000, weight: 0.1, stable, canary });
    raisePeaks(peaks, verdict);
  }
  return { verdict, peaks };
}

const text = (tests: ReturnType<typeof stepTests>) => renderResult(result(tests, 'next'));

function result(tests: ReturnType<typeof stepTests>, outcome: 'rollback' | 'next'): DeployResult {
  return DeployResultSchema.parse({
    deploymentId: 'd1',
    service: 'web',
    kind: 'deploy',
    outcome: outcome === 'rollback' ? 'reverted' : 'succeeded',
    release: 'r2',
    fromRelease: 'r1',
    durationMs: 12_000,
    report: {
      releases: [],
      steps: [],
      canary: [{ weight: 0.1, ms: 12_000, outcome, releases: [], evidence: [], why: 'first weight 10%, as configured (steps[0])', tests }],
    },
  });
}

test('a rolled-back step: the report shows the judge\'s counts and its test at ≥ 100 % of the threshold', () => {
  const { verdict, peaks } = judgeRun(3, 120);
  assert.equal(verdict.decision, 'rollback');
  assert.equal(verdict.cause, 'errors');
  const tests = stepTests(verdict, peaks);
  const e = verdict.evidence.errors;
  assert.deepEqual(
    [tests.errors.canary, tests.errors.canaryRequests, tests.errors.stable, tests.errors.stableRequests],
    [e.canary, e.canaryRequests, e.stable, e.stableRequests],
  );
  assert.equal(tests.errors.state, 'failed');
  assert.ok(tests.errors.evidence >= 1 && tests.errors.evidence === evidenceShare(e));
  assert.equal(tests.p95.state, 'not judged', 'latency waits for the warm-up and enough stable samples');
  assert.match(tests.p95.idle ?? '', /warm-up|fewer than 200 stable requests/);
  assert.ok(text(tests).includes(`p95 not judged: ${tests.p95.idle}`));
  const rendered = renderResult(result(tests, 'rollback'));
  assert.match(rendered, /first weight 10%, as configured/);
  const line = rendered.split('\n').find((l) => l.includes('errors')) ?? '';
  assert.ok(line.includes(`errors failed at ${Math.floor(tests.errors.evidence * 100)}% of the threshold`), line);
  assert.ok(line.includes(`canary ${e.canary}/${e.canaryRequests}`) && line.includes(`stable ${e.stable}/${e.stableRequests}`), line);
  assert.ok(verdict.reason.includes(`the canary failed ${e.canary} of ${e.canaryRequests} requests`), verdict.reason);
});

test('a passed step: every test under 100 %, the same numbers in the report as in the judge', () => {
  const { verdict, peaks } = judgeRun(0, 40);
  assert.equal(verdict.decision, 'continue');
  const tests = stepTests(verdict, peaks);
  for (const name of ['errors', 'p95', 'p99'] as const) {
    assert.ok(tests[name].evidence < 1 && tests[name].peak < 1);
    assert.equal(tests[name].canary, verdict.evidence[name].canary);
  }
  assert.equal(tests.errors.state, 'passed');
  assert.match(text(tests), /errors passed at \d+% of the threshold \(peak \d+%\): canary 0\/400 failed, stable \d+\/3600/);
});
