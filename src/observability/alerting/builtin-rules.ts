/**
 * What the daemon evaluates for each built-in rule of alert-rules.ts (the PromQL export): the
 * signal, the comparison and the threshold, and how the rule behaves around deploys. The
 * for-duration, severity, summary and hint come from the exported rule, so both agree.
 */
import { BUILTIN_ALERT_RULES, type Severity } from '../alert-rules.js';
import { parseDuration } from '../../lib/duration.js';
import type { Signal } from './signals.js';

export interface RuleSpec {
  readonly name: string;
  readonly signal: Signal;
  readonly op: 'above' | 'below';
  readonly threshold: number;
  readonly forMs: number;
  readonly severity: Severity;
  /** Template: {{ $labels.service }}, {{ $value }} (any pipe after $value is ignored). */
  readonly summary: string;
  readonly hint: string;
  /** Only this service; undefined: every service. */
  readonly service: string | undefined;
  /** Noisy while a deploy switches traffic: held during a deploy of the service. */
  readonly held: boolean;
  /** A counter increase (deploy failed, rollback): sent once when it happens, never "resolved". */
  readonly event: boolean;
}

type Evaluation = Pick<RuleSpec, 'signal' | 'op' | 'threshold' | 'held' | 'event'>;

export const BUILTIN_EVALUATION: Readonly<Record<string, Evaluation>> = {
  'proxy-down': { signal: 'proxy_up', op: 'below', threshold: 1, held: false, event: false },
  'proxy-restarted': { signal: 'proxy_restarts', op: 'above', threshold: 0, held: false, event: true },
  'access-log-dropping': { signal: 'access_log_dropped', op: 'above', threshold: 0, held: false, event: true },
  'journal-write-failed': { signal: 'journal_write_failures', op: 'above', threshold: 0, held: false, event: true },
  'instance-down': { signal: 'missing_instances', op: 'above', threshold: 0, held: true, event: false },
  'service-down': { signal: 'healthy_instances', op: 'below', threshold: 1, held: true, event: false },
  'error-rate-high': { signal: 'error_rate', op: 'above', threshold: 0.05, held: true, event: false },
  'latency-high': { signal: 'latency_p99', op: 'above', threshold: 1, held: true, event: false },
  'instance-out-of-memory': { signal: 'out_of_memory_kills', op: 'above', threshold: 0, held: false, event: true },
  'deploy-failed': { signal: 'deploys_failed', op: 'above', threshold: 0, held: false, event: true },
  'rollback-happened': { signal: 'rollbacks', op: 'above', threshold: 0, held: false, event: true },
  'disk-nearly-full': { signal: 'disk_free_ratio', op: 'below', threshold: 0.1, held: false, event: false },
  'certificate-expiring': { signal: 'certificate_expires_in', op: 'below', threshold: 14 * 86_400, held: false, event: false },
  'certificate-renewal-failing': { signal: 'certificate_renewal_failures', op: 'above', threshold: 0, held: false, event: false },
  'backup-failed': { signal: 'backups_failed', op: 'above', threshold: 0, held: false, event: true },
  'backup-stale': { signal: 'backup_overdue', op: 'above', threshold: 0, held: false, event: false },
  'drill-failed': { signal: 'drill_failed', op: 'above', threshold: 0, held: false, event: false },
};

export function builtinRules(): RuleSpec[] {
  return BUILTIN_ALERT_RULES.map((r) => {
    const evaluation = BUILTIN_EVALUATION[r.name];
    if (!evaluation) throw new Error(`built-in rule ${r.name} has no evaluation`);
    return { name: r.name, ...evaluation, forMs: parseDuration(r.for) ?? 0, severity: r.severity, summary: r.summary, hint: r.hint, service: undefined };
  });
}
