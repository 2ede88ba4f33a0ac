import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BLUE_GREEN, CANARY, DEPLOY_PLANS } from '../../src/engine/blue-green.js';
import { ROLLBACK } from '../../src/engine/rollback.js';
import { recoveryDirection } from '../../src/engine/recover.js';
import { canTransition, type DeploymentState } from '../../src/engine/deployment-state.js';
import type { StrategyPlan } from '../../src/engine/step-plan.js';

const PLANS = [...DEPLOY_PLANS, ROLLBACK] as readonly StrategyPlan<never>[];

test('strategies are plans of named steps; blue-green and canary share everything up to healthy instances', () => {
  assert.deepEqual(BLUE_GREEN.steps.map((s) => s.name), ['plan', 'backup', 'build', 'release', 'start', 'health-gate', 'switch', 'watch', 'revert', 'drain', 'record']);
  assert.deepEqual(CANARY.steps.map((s) => s.name), ['plan', 'backup', 'build', 'release', 'start', 'health-gate', 'canary']);
  assert.deepEqual(ROLLBACK.steps.map((s) => s.name), ['plan', 'start', 'health-gate', 'switch', 'record']);
  assert.deepEqual(CANARY.steps.slice(0, 6), BLUE_GREEN.steps.slice(0, 6), 'the same step objects');
});

test('recovery reads the plans: every plan agrees on what a crash in each state means', () => {
  const seen = new Map<DeploymentState, string>();
  for (const plan of PLANS) {
    for (const step of plan.steps) {
      const before = seen.get(step.state);
      assert.ok(before === undefined || before === step.onCrash, `${plan.name}/${step.name}: ${step.state} is ${step.onCrash} here, ${before} elsewhere`);
      seen.set(step.state, step.onCrash);
      assert.equal(recoveryDirection(step.state), step.onCrash);
    }
  }
  assert.equal(recoveryDirection('canary'), 'resume');
  assert.equal(recoveryDirection('committed'), 'finish');
  assert.equal(recoveryDirection('reverting'), 'revert', 'a state no step journals goes back');
  assert.equal(recoveryDirection('reverted'), 'none');
});

test('each plan walks the deployment transition table forward', () => {
  for (const plan of PLANS) {
    let state: DeploymentState = 'pending';
    for (const step of plan.steps) {
      assert.ok(canTransition(state, step.state), `${plan.name}: ${state} → ${step.state} at ${step.name}`);
      state = step.state;
    }
  }
});
