import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyHistogram, observe, quantile, subtract } from '../../src/lib/latency-histogram.js';
import { formatDuration, parseDuration } from '../../src/lib/duration.js';
import { parseSize } from '../../src/lib/size.js';
import { writeFileAtomic } from '../../src/lib/atomic-write.js';

test('latency histogram: quantiles land in the right bucket; subtract gives a window', () => {
  const h = emptyHistogram();
  for (let i = 0; i < 99; i++) observe(h, 4);
  observe(h, 900);
  const p50 = quantile(h, 0.5) ?? 0;
  assert.ok(p50 > 3 && p50 <= 5, `p50 ${p50}`);
  const p999 = quantile(h, 0.999) ?? 0;
  assert.ok(p999 > 750 && p999 <= 1000, `p99.9 ${p999}`);
  const before = structuredClone(h);
  observe(h, 40);
  const window = subtract(h, before);
  assert.equal(window.count, 1);
  const only = quantile(window, 0.5) ?? 0;
  assert.ok(only > 30 && only <= 50);
  assert.equal(quantile(emptyHistogram(), 0.5), undefined);
});

test('durations and sizes take units', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('10m'), 600_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('30'), undefined);
  assert.equal(parseDuration('3 weeks'), undefined);
  assert.equal(formatDuration(850), '850ms');
  assert.equal(formatDuration(1234), '1.23s');
  assert.equal(parseSize('10MB'), 10 * 1024 * 1024);
  assert.equal(parseSize('32KB'), 32 * 1024);
  assert.equal(parseSize('ten'), undefined);
});

test('atomic write: content and mode, no temp file left behind', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-atomic-'));
  try {
    const file = join(dir, 'sub', 'table.json');
    await writeFileAtomic(file, '{"a":1}', 0o600);
    await writeFileAtomic(file, '{"a":2}', 0o600);
    assert.equal(await readFile(file, 'utf8'), '{"a":2}');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(join(dir, 'sub')), ['table.json']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
