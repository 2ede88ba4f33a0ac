/** The normalized `alerts:` section (durations in ms, thresholds in base units, notifiers named). */
import type { Signal } from '../observability/alerting/signals.js';

export type NotifierSpec =
  | { readonly type: 'webhook'; readonly name: string; readonly url: string; readonly secret: string | undefined }
  | { readonly type: 'slack'; readonly name: string; readonly url: string }
  | { readonly type: 'email'; readonly name: string; readonly smtp: string; readonly from: string; readonly to: readonly string[] }
  | { readonly type: 'alertmanager'; readonly name: string; readonly url: string };

/** A rule as written: a built-in one tuned (fields left undefined keep the default) or a custom one. */
export interface AlertRuleConfig {
  readonly name: string;
  readonly enabled: boolean | undefined;
  readonly service: string | undefined;
  readonly signal: Signal | undefined;
  readonly op: 'above' | 'below' | undefined;
  readonly threshold: number | undefined;
  readonly forMs: number | undefined;
  readonly severity: 'critical' | 'warning' | 'info' | undefined;
  readonly summary: string | undefined;
  readonly hint: string | undefined;
}

export interface AlertsSpec {
  readonly intervalMs: number;
  /** Window of rates (error rate, latency, request rate). */
  readonly windowMs: number;
  /** A group still firing is sent again after this long. */
  readonly repeatMs: number;
  readonly notify: readonly NotifierSpec[];
  readonly rules: readonly AlertRuleConfig[];
}
