import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareText } from '../../src/lib/text-order.js';

test('compareText orders names as sort() does without a comparator, whatever the locale', () => {
  assert.deepEqual(['b', 'a_1', 'A', 'a', 'a1', '_x', 'B'].sort(compareText), ['A', 'B', '_x', 'a', 'a1', 'a_1', 'b']);
  assert.equal(compareText('same', 'same'), 0);
  fc.assert(
    fc.property(fc.array(fc.string({ maxLength: 12 }), { maxLength: 30 }), (names) => {
      assert.deepEqual([...names].sort(compareText), [...names].sort());
      for (const [a, b] of names.slice(1).map((b, i) => [names[i] ?? '', b] as const)) {
        assert.equal(compareText(a, b) + compareText(b, a), 0);
      }
    }),
    { numRuns: 500 },
  );
});

