import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { boundedAll, deployLevels } from '../../src/engine/deploy-levels.js';
import { deployOrder } from '../../src/engine/deploy-order.js';

test('levels of the dependsOn graph: independent services share a level, a dependent comes after all it needs', () => {
  const services = { web: { dependsOn: ['api'] }, db: { dependsOn: [] }, cache: { dependsOn: [] }, api: { dependsOn: ['db', 'cache'] }, worker: { dependsOn: ['db'] }, docs: {} };
  assert.deepEqual(deployLevels(services, deployOrder(services)), [['db', 'cache', 'docs'], ['api', 'worker'], ['web']]);
  assert.deepEqual(deployOrder(services), ['db', 'cache', 'docs', 'api', 'worker', 'web'], 'the deploy order goes level by level');
  assert.deepEqual(deployLevels({ a: {}, b: {} }, ['a']), [['a']], 'only the services being deployed');
  assert.deepEqual(deployLevels({ a: { dependsOn: ['gone'] } }, ['a']), [['a']]);
});

test('boundedAll runs at most `limit` at once, keeps the order of its results, and starts nothing once told to stop', async () => {
  let running = 0;
  let peak = 0;
  const results = await boundedAll([30, 10, 20, 10, 5], 2, async (ms) => {
    running++;
    peak = Math.max(peak, running);
    await sleep(ms);
    running--;
    return ms * 2;
  }, () => false);
  assert.deepEqual(results, [60, 20, 40, 20, 10]);
  assert.equal(peak, 2);
  let failed = false;
  const started: number[] = [];
  const partial = await boundedAll([1, 2, 3, 4], 2, async (n) => {
    started.push(n);
    await sleep(5);
    if (n === 1) failed = true;
    return n;
  }, () => failed);
  assert.deepEqual(started, [1, 2], 'nothing starts after the failure');
  assert.deepEqual(partial, [1, 2, undefined, undefined]);
});
