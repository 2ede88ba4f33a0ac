/** The rules the daemon evaluates: the built-in ones as tuned by the config, then custom ones. */
import type { AlertRuleConfig } from '../../config/alerts-model.js';
import { builtinRules, type RuleSpec } from './builtin-rules.js';
import { BACKUP_KEY_PREFIX, GLOBAL_SIGNALS } from './signals.js';

export function resolveRules(configured: readonly AlertRuleConfig[]): RuleSpec[] {
  const byName = new Map(builtinRules().map((r) => [r.name, r]));
  for (const c of configured) {
    const base = byName.get(c.name);
    if (c.enabled === false) {
      byName.delete(c.name);
      continue;
    }
    const signal = c.signal ?? base?.signal;
    const op = c.op ?? base?.op;
    const threshold = c.threshold ?? base?.threshold;
    // The config schema refuses a custom rule without metric and threshold.
    if (!signal || !op || threshold === undefined) continue;
    byName.set(c.name, {
      name: c.name,
      signal,
      op,
      threshold,
      forMs: c.forMs ?? base?.forMs ?? 0,
      severity: c.severity ?? base?.severity ?? 'warning',
      summary: c.summary ?? base?.summary ?? `{{ $labels.service }}: ${signal} is {{ $value }} (${op} ${threshold})`,
      hint: c.hint ?? base?.hint ?? 'Run `slipway status` and read the logs of the service.',
      service: c.service ?? base?.service,
      held: base?.held ?? (signal === 'error_rate' || signal.startsWith('latency') || signal.endsWith('_instances')),
      event: base?.event ?? (signal === 'deploys_failed' || signal === 'rollbacks' || signal === 'backups_failed'),
    });
  }
  return [...byName.values()];
}

export function isGlobal(rule: RuleSpec): boolean {
  return GLOBAL_SIGNALS.has(rule.signal);
}

export function breached(rule: RuleSpec, value: number): boolean {
  return rule.op === 'above' ? value > rule.threshold : value < rule.threshold;
}

/** Fills {{ $labels.service }} and {{ $value }}-style placeholders of a summary or hint. */
export function renderTemplate(template: string, service: string, value: number | undefined, rule: RuleSpec, labels: Readonly<Record<string, string>> = {}): string {
  return template
    .replace(/\{\{\s*\$labels\.service\s*\}\}/g, service || 'slipway')
    .replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_, name: string) => labels[name] ?? (name === 'source' && service.startsWith(BACKUP_KEY_PREFIX) ? service.slice(BACKUP_KEY_PREFIX.length) : ''))
    .replace(/\{\{\s*\$value[^}]*\}\}/g, value === undefined ? '?' : formatValue(rule, value));
}

export function formatValue(rule: RuleSpec, value: number): string {
  if (rule.signal === 'error_rate' || rule.signal === 'disk_free_ratio') return `${Math.round(value * 1000) / 10}%`;
  if (rule.signal.startsWith('latency')) return `${Math.round(value * 1000)}ms`;
  if (rule.signal === 'memory_bytes') return `${Math.round(value / 1024 ** 2)} MiB`;
  if (rule.signal === 'certificate_expires_in') return `${Math.round(value / 8640) / 10} days`;
  if (rule.signal === 'backup_overdue') return value >= 86_400 ? `${Math.round(value / 8640) / 10} days` : `${Math.round(value / 360) / 10} h`;
  return String(Math.round(value * 100) / 100);
}
