import type { CanarySpec } from '../../config/model.js';
import { DEFAULT_CANARY_JUDGE_OPTIONS, splitAlpha, type CanaryJudgeOptions } from './judge-options.js';

/** The judge's options from a service's canary settings (defaults for whatever is not written). */
export function judgeOptions(spec: Pick<CanarySpec, 'judge' | 'warmupMs'>): CanaryJudgeOptions {
  const d = DEFAULT_CANARY_JUDGE_OPTIONS;
  const j = spec.judge;
  if (!j) return { ...d, ...(spec.warmupMs === undefined ? {} : { warmupMs: spec.warmupMs }) };
  const quantiles = j.latency?.quantiles ?? [];
  return {
    ...d,
    alpha: splitAlpha(j.alpha, { errors: j.errors !== undefined, p95: quantiles.includes('p95'), p99: quantiles.includes('p99') }),
    errorMargin: j.errors?.margin ?? d.errorMargin,
    latencyMargin: j.latency?.margin ?? d.latencyMargin,
    maxLoadRatio: j.latency?.loadRatio ?? d.maxLoadRatio,
    warmupMs: spec.warmupMs ?? d.warmupMs,
  };
}
