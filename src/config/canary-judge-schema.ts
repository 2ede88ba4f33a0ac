/** `strategy.canary.judge`, `warmup` and `lowTraffic`: how the canary judge decides (docs/config.md). */
import { z } from 'zod';
import { parseLatencyMargin } from '../lib/latency-margin.js';
import { duration } from './schema-fields.js';
import { tag } from './schema-meta.js';

const onOff = tag(z.union([z.literal('on'), z.literal('off'), z.boolean()]), {
  code: 'SLW_CONFIG_CANARY_JUDGE',
  expected: 'on, off, or a map of settings',
  quoteValue: true,
});

/** An error-rate margin in percentage points, written with the % sign ("0.2%"). */
const errorMargin = tag(z.string().regex(/^\d{1,2}(?:\.\d+)?%$/), {
  code: 'SLW_CONFIG_CANARY_JUDGE',
  expected: 'percentage points with the % sign, such as "0.2%"',
  quoteValue: true,
});

const latencyMargin = tag(z.string().refine((text) => parseLatencyMargin(text) !== undefined), {
  code: 'SLW_CONFIG_CANARY_JUDGE',
  expected: 'a margin such as "20% + 5ms", "20%" or "5ms"',
  quoteValue: true,
});

const quantiles = tag(z.array(z.enum(['p95', 'p99'])).min(1).max(2), {
  code: 'SLW_CONFIG_CANARY_JUDGE',
  expected: 'a list of p95 and/or p99',
  quoteValue: true,
});

const loadRatio = tag(z.number().min(1).max(1000), {
  code: 'SLW_CONFIG_CANARY_JUDGE',
  expected: 'a number of at least 1, such as 2',
  quoteValue: true,
});

const alpha = tag(z.number().gt(0).max(0.2), {
  code: 'SLW_CONFIG_CANARY_JUDGE',
  expected: 'a probability above 0 and at most 0.2, such as 0.01',
  quoteValue: true,
});

export const canaryJudgeSchema = z.strictObject({
  errors: tag(z.union([onOff, z.strictObject({ margin: errorMargin.default('0.2%').describe('Extra error rate the canary may have, in percentage points (default 0.2%).') })]), {
    code: 'SLW_CONFIG_CANARY_JUDGE',
    expected: 'on, off, or { margin: 0.2% }',
    quoteValue: true,
  })
    .default('on')
    .describe('on (default), off, or { margin }: the error-rate test.'),
  latency: tag(
    z.union([
      onOff,
      z.strictObject({
        margin: latencyMargin.default('20% + 5ms').describe('How much slower than stable the canary may be (default "20% + 5ms").'),
        quantiles: quantiles.default(['p95', 'p99']).describe('Which of stable\'s quantiles to compare at (default [p95, p99]).'),
        loadRatio: loadRatio.default(2).describe('Latency is judged only while a canary instance carries at most this many times the load of a stable one (default 2).'),
      }),
    ]),
    { code: 'SLW_CONFIG_CANARY_JUDGE', expected: 'on, off, or { margin, quantiles, loadRatio }', quoteValue: true },
  )
    .default('on')
    .describe('on (default), off, or { margin, quantiles, loadRatio }: the latency tests.'),
  alpha: alpha.default(0.01).describe('Chance of rolling back a release that is no worse than the margins, per deploy (default 0.01).'),
});

export const canaryJudgeFields = {
  judge: canaryJudgeSchema.prefault({}).describe('How the judge decides: { errors, latency, alpha }.'),
  warmup: duration('30s', "Time after the canary's first request during which its latency does not count (its errors always do)"),
  lowTraffic: tag(z.enum(['health', 'hold']), { code: 'SLW_CONFIG_CANARY_JUDGE', expected: 'health or hold', quoteValue: true })
    .default('health')
    .describe('A step whose traffic cannot reach its minRequests within its minHold: health (default) moves on after minHold on health and whatever evidence came; hold waits for the requests (up to maxHold).'),
};

export type ParsedCanaryJudge = z.output<typeof canaryJudgeSchema>;
