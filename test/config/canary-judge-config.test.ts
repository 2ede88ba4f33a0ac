// strategy.canary.judge, warmup and lowTraffic: parsed, normalized, turned into the judge's
// options, and bad values rejected with SLW_CONFIG_CANARY_JUDGE at the right place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { SlipwayError } from '../../src/errors.js';
import { judgeOptions } from '../../src/engine/canary-judge/from-spec.js';
import { DEFAULT_CANARY_JUDGE_OPTIONS } from '../../src/engine/canary-judge/judge-options.js';

async function load(canary: string) {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-judge-cfg-'));
  try {
    const file = join(dir, 'slipway.yaml');
    await writeFile(file, `version: 1\nservices:\n  web:\n    run: node server.js\n    strategy:\n      canary: ${canary}\n`);
    return (await loadConfig({ file })).services['web']?.canary;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('judge settings: defaults, on/off, margins, quantiles, alpha, warmup, lowTraffic', async () => {
  const defaults = await load('{}');
  assert.deepEqual(judgeOptions(defaults!), DEFAULT_CANARY_JUDGE_OPTIONS, 'written defaults give the judge its own defaults');
  const c = await load('{ judge: { errors: { margin: 1% }, latency: { margin: "50% + 10ms", quantiles: [p99], loadRatio: 4 }, alpha: 0.02 }, warmup: 5s, lowTraffic: hold }');
  assert.deepEqual(c?.judge, { alpha: 0.02, errors: { margin: 0.01 }, latency: { margin: { relative: 0.5, ms: 10 }, quantiles: ['p99'], loadRatio: 4 } });
  assert.equal(c?.warmupMs, 5000);
  assert.equal(c?.lowTraffic, 'hold');
  const o = judgeOptions(c!);
  assert.deepEqual(o.alpha, { errors: 0.02 * (0.4 / 0.7), p95: 0, p99: 0.02 * (0.3 / 0.7) });
  assert.equal(o.errorMargin, 0.01);
  assert.deepEqual(o.latencyMargin, { relative: 0.5, ms: 10 });
  assert.equal(o.maxLoadRatio, 4);
  assert.equal(o.warmupMs, 5000);
  const off = await load('{ judge: { errors: off, latency: on } }');
  assert.equal(off?.judge?.errors, undefined);
  assert.deepEqual(judgeOptions(off!).alpha, { errors: 0, p95: 0.005, p99: 0.005 });
  const latencyOff = await load('{ judge: { latency: off } }');
  assert.deepEqual(judgeOptions(latencyOff!).alpha, { errors: 0.01, p95: 0, p99: 0 });
});

test('bad judge settings: SLW_CONFIG_CANARY_JUDGE with the place, nothing loaded', async () => {
  for (const [bad, where] of [
    ['{ judge: { errors: maybe } }', 'errors'],
    ['{ judge: { errors: { margin: 1 } } }', 'margin'],
    ['{ judge: { latency: { margin: "fast" } } }', 'margin'],
    ['{ judge: { latency: { quantiles: [p50] } } }', 'quantiles'],
    ['{ judge: { latency: { loadRatio: 0.5 } } }', 'loadRatio'],
    ['{ judge: { alpha: 0.5 } }', 'alpha'],
    ['{ lowTraffic: skip }', 'lowTraffic'],
  ] as const) {
    const err = await load(bad).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof SlipwayError, `${bad}: ${String(err)}`);
    assert.equal(err.code, 'SLW_CONFIG_INVALID');
    assert.match(err.message, where === 'quantiles' ? /\[SLW_CONFIG_(CANARY_JUDGE|INVALID_TYPE)\]/ : /\[SLW_CONFIG_CANARY_JUDGE\]/, `${bad}: ${err.message}`);
    assert.ok(err.message.includes(`canary.`) && err.message.includes(where), `${bad}: names ${where}: ${err.message}`);
  }
});
