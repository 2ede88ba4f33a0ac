import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatLatencyMargin, parseLatencyMargin } from '../../src/lib/latency-margin.js';

test('latency margins: a percentage, a duration, or both', () => {
  assert.deepEqual(parseLatencyMargin('20% + 5ms'), { relative: 0.2, ms: 5 });
  assert.deepEqual(parseLatencyMargin('5ms+20%'), { relative: 0.2, ms: 5 });
  assert.deepEqual(parseLatencyMargin('10%'), { relative: 0.1, ms: 0 });
  assert.deepEqual(parseLatencyMargin('0.5s'), { relative: 0, ms: 500 });
  for (const bad of ['', '+', '20', '20% + 30%', '5ms + 1s', '20% + 5ms + 1ms', '-5%', '5 ms', '20%5ms', '2000%', '2m', '61s']) {
    assert.equal(parseLatencyMargin(bad), undefined, bad);
  }
});

test('latency margins (fuzz): any text parses to a finite margin or to nothing; formatted margins read back', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), (text) => {
      const m = parseLatencyMargin(text);
      if (m === undefined) return;
      assert.ok(Number.isFinite(m.relative) && m.relative >= 0 && m.relative <= 10);
      assert.ok(Number.isFinite(m.ms) && m.ms >= 0 && m.ms <= 60_000);
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 60_000 }), (pct, ms) => {
      const m = { relative: pct / 100, ms };
      assert.deepEqual(parseLatencyMargin(formatLatencyMargin(m)), m);
    }),
  );
});
