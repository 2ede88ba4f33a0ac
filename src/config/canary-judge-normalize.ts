import { parseLatencyMargin } from '../lib/latency-margin.js';
import type { CanaryJudgeSpec } from './model.js';
import type { ParsedCanaryJudge } from './canary-judge-schema.js';

const DEFAULT_LATENCY = { margin: '20% + 5ms', quantiles: ['p95', 'p99'] as ('p95' | 'p99')[], loadRatio: 2 };

/** `judge:` as parsed → the judge's settings (off tests are absent). */
export function normalizeCanaryJudge(j: ParsedCanaryJudge): CanaryJudgeSpec {
  const on = (v: unknown) => v === 'on' || v === true;
  const errors = typeof j.errors === 'object' ? j.errors : on(j.errors) ? { margin: '0.2%' } : undefined;
  const latency = typeof j.latency === 'object' ? j.latency : on(j.latency) ? DEFAULT_LATENCY : undefined;
  const margin = latency ? parseLatencyMargin(latency.margin) : undefined;
  if (latency && !margin) throw new Error(`latency margin "${latency.margin}" passed the schema but not parseLatencyMargin`);
  return {
    alpha: j.alpha,
    errors: errors ? { margin: Number(errors.margin.slice(0, -1)) / 100 } : undefined,
    latency: latency && margin ? { margin, quantiles: [...new Set(latency.quantiles)], loadRatio: latency.loadRatio } : undefined,
  };
}
