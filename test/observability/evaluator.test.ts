// The evaluator's state machine on hand-made signal values: for-durations, grouping, repeat,
// resolved, silences, held rules during a deploy, and state carried across a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Evaluator, type EvaluationInput } from '../../src/observability/alerting/evaluator.js';
import { resolveRules } from '../../src/observability/alerting/rules.js';
import type { Signal } from '../../src/observability/alerting/signals.js';

const rules = resolveRules([{ name: 'error-rate-high', enabled: undefined, service: undefined, signal: undefined, op: undefined, threshold: undefined, forMs: 1000, severity: undefined, summary: undefined, hint: undefined }]);

function input(now: number, errorRate: number, o: Partial<EvaluationInput> = {}): EvaluationInput {
  const values: Partial<Record<Signal, number>> = { error_rate: errorRate, missing_instances: 0, healthy_instances: 2 };
  return { now, signals: new Map([['', { proxy_up: 1 }], ['web', values]]), openDeployments: new Map(), lastDeployment: () => undefined, silenced: () => false, ...o };
}

test('pending for the for-duration, fires once, repeats after the interval, resolves once', () => {
  const e = new Evaluator(rules, 10_000);
  assert.deepEqual(e.evaluate(input(0, 0.5)), [], 'pending');
  const fired = e.evaluate(input(1000, 0.5));
  assert.equal(fired.length, 1);
  assert.equal(fired[0]?.alerts[0]?.rule, 'error-rate-high');
  assert.deepEqual(e.evaluate(input(5000, 0.5)), [], 'deduplicated');
  assert.equal(e.evaluate(input(11_000, 0.5)).length, 1, 'repeated');
  const resolved = e.evaluate(input(12_000, 0));
  assert.equal(resolved[0]?.status, 'resolved');
  assert.deepEqual(e.evaluate(input(13_000, 0)), []);
});

test('held during a deploy; silenced alerts send nothing; state survives a restart', () => {
  const e = new Evaluator(rules, 10_000);
  const deploying = { openDeployments: new Map([['web', 'd1']]) };
  assert.deepEqual(e.evaluate(input(0, 0.5, deploying)), []);
  assert.deepEqual(e.evaluate(input(5000, 0.5, deploying)), [], 'held: no pending, no firing');
  assert.deepEqual(e.evaluate(input(6000, 0.5, { silenced: () => true })), []);
  assert.deepEqual(e.evaluate(input(7000, 0.5, { silenced: () => true })), [], 'fired but silenced');
  const restarted = new Evaluator(rules, 10_000, e.state());
  assert.deepEqual(restarted.evaluate(input(8000, 0.5, { silenced: () => true })), []);
  assert.equal(restarted.state().alerts[0]?.state.kind, 'firing', 'the firing alert came back from the saved state');
});
