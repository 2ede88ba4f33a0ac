/** Parsed `alerts:` → AlertsSpec: ms durations, thresholds in base units, every notifier named. */
import { parseDuration } from '../lib/duration.js';
import { BUILTIN_EVALUATION } from '../observability/alerting/builtin-rules.js';
import { parseThreshold } from '../observability/alerting/signals.js';
import type { AlertRuleConfig, AlertsSpec, NotifierSpec } from './alerts-model.js';
import type { ParsedAlerts } from './alerts-schema.js';

export function normalizeAlerts(a: ParsedAlerts): AlertsSpec {
  const seen = new Map<string, number>();
  const notify = a.notify.map((n): NotifierSpec => {
    const count = (seen.get(n.type) ?? 0) + 1;
    seen.set(n.type, count);
    const name = n.name ?? (count === 1 ? n.type : `${n.type}-${count}`);
    switch (n.type) {
      case 'webhook':
        return { type: 'webhook', name, url: n.url, secret: n.secret };
      case 'slack':
        return { type: 'slack', name, url: n.url };
      case 'email':
        return { type: 'email', name, smtp: n.smtp, from: n.from, to: [...n.to] };
      case 'alertmanager':
        return { type: 'alertmanager', name, url: n.url };
    }
  });
  const rules = a.rules.map((r): AlertRuleConfig => {
    const op = r.above !== undefined ? 'above' : r.below !== undefined ? 'below' : undefined;
    const raw = r.above ?? r.below;
    const signal = r.metric ?? BUILTIN_EVALUATION[r.name]?.signal;
    return {
      name: r.name,
      enabled: r.enabled,
      service: r.service,
      signal: r.metric,
      op,
      threshold: raw === undefined || !signal ? undefined : parseThreshold(signal, raw),
      forMs: r.for === undefined ? undefined : ms(r.for),
      severity: r.severity,
      summary: r.summary,
      hint: r.hint,
    };
  });
  return { intervalMs: ms(a.interval), windowMs: ms(a.window), repeatMs: ms(a.repeat), notify, rules };
}

function ms(text: string): number {
  const value = parseDuration(text);
  if (value === undefined) throw new Error(`duration "${text}" passed the schema but not parseDuration`);
  return value;
}
