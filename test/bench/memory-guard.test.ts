// The memory bench's guard (bench/memory-guard.ts) without running the bench: growth over the
// recorded baseline beyond 5 MB fails, per process, and a missing or broken baseline fails too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { checkMemory, GROWTH_LIMIT_MB, parseBaseline } from '../../bench/memory-guard.js';

const BASELINE = { daemonMb: 70, proxyMb: 60 };

test('the guard passes growth up to 5 MB and fails either process above it, naming it', () => {
  assert.equal(GROWTH_LIMIT_MB, 5);
  assert.deepEqual(checkMemory({ daemonMb: 75, proxyMb: 58 }, BASELINE).fails, []);
  const proxy = checkMemory({ daemonMb: 70, proxyMb: 65.2 }, BASELINE);
  assert.equal(proxy.fails.length, 1);
  assert.match(proxy.fails[0] ?? '', /^FAIL: the proxy uses 65\.2 MB, 5\.2 MB over its baseline of 60\.0 MB \(limit \+5 MB\)/);
  assert.match(proxy.lines[1] ?? '', /proxy .* FAIL$/);
  assert.match(proxy.lines[0] ?? '', /daemon .* ok$/);
  const both = checkMemory({ daemonMb: 90, proxyMb: 90 }, BASELINE);
  assert.deepEqual(both.fails.map((f) => f.split(' ')[2]), ['daemon', 'proxy']);
});

test('the guard fails exactly when a process grows more than the limit (property)', () => {
  fc.assert(
    fc.property(fc.double({ min: 10, max: 200, noNaN: true }), fc.double({ min: 10, max: 200, noNaN: true }), fc.double({ min: -20, max: 20, noNaN: true }), fc.double({ min: -20, max: 20, noNaN: true }), (daemonMb, proxyMb, dd, dp) => {
      const { fails, lines } = checkMemory({ daemonMb: daemonMb + dd, proxyMb: proxyMb + dp }, { daemonMb, proxyMb });
      const expected = [(daemonMb + dd) - daemonMb > GROWTH_LIMIT_MB, (proxyMb + dp) - proxyMb > GROWTH_LIMIT_MB].filter(Boolean).length;
      assert.equal(fails.length, expected);
      assert.equal(lines.length, 2);
    }),
  );
});

test('a missing, unparsable or incomplete baseline is a FAIL of its own; the committed one parses', async () => {
  assert.match(parseBaseline(undefined, 'b.json') as string, /^FAIL: no memory baseline in b\.json: run once with --record-baseline/);
  assert.match(parseBaseline('{', 'b.json') as string, /^FAIL: b\.json is not JSON/);
  assert.match(parseBaseline('{"daemonMb": 70}', 'b.json') as string, /^FAIL: b\.json has no positive daemonMb and proxyMb/);
  assert.match(parseBaseline('null', 'b.json') as string, /^FAIL/);
  const committed = parseBaseline(await readFile(new URL('../../bench/results/memory-baseline.json', import.meta.url), 'utf8'), 'memory-baseline.json');
  assert.ok(typeof committed === 'object', String(committed));
  assert.ok(committed.daemonMb > 0 && committed.proxyMb > 0);
});
