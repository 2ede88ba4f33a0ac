import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus } from '../../src/observability/event-bus.js';
import { SlipwayEventSchema, type SlipwayEvent } from '../../src/api/event-schemas.js';

test('events are numbered, kept up to a limit, filtered, and valid against the API schema', () => {
  const bus = new EventBus({ keep: 3, now: () => Date.parse('2026-01-01T00:00:00Z') });
  bus.publish({ kind: 'deploy', deploymentId: 'd1', service: 'a', step: 'build', phase: 'begin' });
  bus.publish({ kind: 'instance', service: 'b', instance: 'b-r1-x', release: 'r1', state: 'healthy' });
  bus.publish({ kind: 'deploy', deploymentId: 'd2', service: 'b', outcome: 'succeeded' });
  bus.publish({ kind: 'proxy', what: 'table', detail: 'v4: deploy b → r1' });
  const all = bus.recent();
  assert.deepEqual(all.map((e) => e.seq), [2, 3, 4], 'only the last 3 kept');
  for (const e of all) SlipwayEventSchema.parse(e);
  assert.deepEqual(bus.recent({ service: 'b' }).map((e) => e.seq), [2, 3]);
  assert.deepEqual(bus.recent({ deploymentId: 'd2' }).map((e) => e.seq), [3]);
  assert.deepEqual(bus.recent({ kinds: ['proxy'] }).map((e) => e.seq), [4]);
  assert.deepEqual(bus.recent({ afterSeq: 3 }).map((e) => e.seq), [4]);
});

test('subscribers get later matching events; one that throws is dropped without harming the publisher or the others', () => {
  const bus = new EventBus();
  const seen: SlipwayEvent[] = [];
  let bad = 0;
  bus.subscribe(() => {
    bad++;
    throw new Error('broken listener');
  });
  const stop = bus.subscribe((e) => seen.push(e), { service: 'a' });
  bus.publish({ kind: 'instance', service: 'a', instance: 'a-r1-x', release: 'r1', state: 'starting' });
  bus.publish({ kind: 'instance', service: 'c', instance: 'c-r1-x', release: 'r1', state: 'starting' });
  stop();
  bus.publish({ kind: 'instance', service: 'a', instance: 'a-r1-x', release: 'r1', state: 'healthy' });
  assert.deepEqual(seen.map((e) => e.seq), [1]);
  assert.equal(bad, 1, 'the throwing listener was called once, then dropped');
});
