import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { periodKey, planRetention, type RetentionCandidate, type RetentionPolicy } from '../../src/backup/retention.js';

const DAY = 86_400_000;
const START = Date.UTC(2023, 0, 1);

/** Zero is frequent on purpose: the edge where only the "never delete the newest" rule keeps anything. */
const count = (max: number): fc.Arbitrary<number> => fc.oneof(fc.constant(0), fc.nat({ max }));
const policyArb = fc.record({ last: count(6), daily: count(10), weekly: count(6), monthly: count(6) });

/** Histories over ~14 months, several sources, ids unrelated to time (so name order means nothing). */
const historyArb = fc
  .uniqueArray(
    fc.record({
      id: fc.stringMatching(/^[a-z0-9]{1,8}$/),
      source: fc.constantFrom('db', 'uploads', 'cache'),
      createdAt: fc.integer({ min: START, max: START + 420 * DAY }),
      verified: fc.integer({ min: 0, max: 4 }).map((n) => n > 0),
    }),
    { selector: (c) => c.id, maxLength: 80 },
  )
  .map((cs) => cs as RetentionCandidate[]);

function newest(cs: readonly RetentionCandidate[]): RetentionCandidate | undefined {
  return [...cs].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1))[0];
}

/** The newest backup in each of the N most recent buckets of a period. */
function bucketHeads(cs: readonly RetentionCandidate[], period: 'daily' | 'weekly' | 'monthly', n: number): string[] {
  const sorted = [...cs].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
  const heads = new Map<string, string>();
  for (const c of sorted) {
    const bucket = periodKey(period, c.createdAt);
    if (!heads.has(bucket) && heads.size < n) heads.set(bucket, c.id);
  }
  return [...heads.values()];
}

test('retention: for random histories the newest verified backup of every source survives and the counts hold', () => {
  fc.assert(
    fc.property(historyArb, policyArb, fc.integer(), (history, policy: RetentionPolicy, seed) => {
      const plan = planRetention(history, policy);
      const removed = new Set(plan.remove);
      // A partition of the input.
      assert.equal(plan.keep.size + removed.size, history.length);
      for (const c of history) assert.notEqual(plan.keep.has(c.id), removed.has(c.id));
      // Only verified backups ever go.
      for (const c of history) if (!c.verified) assert.ok(plan.keep.has(c.id), `unverified ${c.id} removed`);
      for (const source of new Set(history.map((c) => c.source))) {
        const verified = history.filter((c) => c.source === source && c.verified);
        if (verified.length === 0) continue;
        // The newest good one, and so the last of every source, survives.
        assert.ok(plan.keep.has(newest(verified)!.id), `newest of ${source} removed`);
        const kept = verified.filter((c) => plan.keep.has(c.id));
        assert.ok(kept.length >= 1);
        assert.ok(kept.length <= Math.max(1, policy.last + policy.daily + policy.weekly + policy.monthly), 'kept more than the policy allows');
        // Each rule keeps exactly what it promises…
        const byTime = [...verified].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
        const promised = new Set([byTime[0]!.id, ...byTime.slice(0, policy.last).map((c) => c.id)]);
        for (const period of ['daily', 'weekly', 'monthly'] as const) for (const id of bucketHeads(verified, period, policy[period])) promised.add(id);
        for (const id of promised) assert.ok(plan.keep.has(id), `${id} was promised by the policy`);
        // …and nothing else verified is kept.
        for (const c of kept) assert.ok(promised.has(c.id), `${c.id} kept without a reason`);
      }
      // Order of the input (and so of names) does not matter.
      const shuffled = fc.sample(fc.shuffledSubarray(history, { minLength: history.length, maxLength: history.length }), { numRuns: 1, seed })[0]!;
      assert.deepEqual(new Set(planRetention(shuffled, policy).remove), removed);
    }),
    { numRuns: 500 },
  );
});

test('retention sorts by time, not by name; unverified backups neither count nor go', () => {
  const c = (id: string, day: number, verified = true): RetentionCandidate => ({ id, source: 'db', createdAt: START + day * DAY, verified });
  // Names sort the opposite way to time: "a" is the newest.
  const plan = planRetention([c('c', 0), c('b', 1), c('a', 2), c('z-unverified', 3, false)], { last: 1, daily: 0, weekly: 0, monthly: 0 });
  assert.deepEqual(plan.remove, ['b', 'c']);
  assert.deepEqual(plan.keep.get('a'), ['newest', 'last']);
  assert.deepEqual(plan.keep.get('z-unverified'), ['not-verified']);
  // A policy of zeros still keeps the newest good backup of each source.
  const zero = planRetention([c('x', 0), { ...c('y', 0), source: 'other' }], { last: 0, daily: 0, weekly: 0, monthly: 0 });
  assert.deepEqual(zero.remove, []);
});

test('ISO weeks and UTC days: the buckets are the calendar ones', () => {
  assert.equal(periodKey('weekly', Date.UTC(2021, 0, 3)), '2020-W53'); // Sunday 3 Jan 2021
  assert.equal(periodKey('weekly', Date.UTC(2021, 0, 4)), '2021-W01');
  assert.equal(periodKey('weekly', Date.UTC(2024, 11, 30)), '2025-W01');
  assert.equal(periodKey('daily', Date.UTC(2024, 1, 29, 23, 59)), '2024-02-29');
  assert.equal(periodKey('monthly', Date.UTC(2024, 1, 29, 23, 59)), '2024-02');
});
