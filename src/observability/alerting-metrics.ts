/** Samples of the daemon's alerting: alerts firing, and the health of each notifier. */
import { METRICS } from './metric-catalog.js';
import type { FamilyBuilder } from './metric-family.js';

export interface AlertingMetrics {
  readonly firing: readonly { readonly rule: string; readonly service: string }[];
  readonly notifiers: readonly { readonly name: string; readonly type: string; readonly state: string; readonly sent: number; readonly failed: number; readonly retries: number; readonly consecutiveFailures: number }[];
}

export function addAlertingSamples(out: FamilyBuilder, a: AlertingMetrics): void {
  for (const f of a.firing) out.add(METRICS.alertsFiring, { rule: f.rule, service: f.service }, 1);
  for (const n of a.notifiers) {
    out.add(METRICS.alertNotifierUp, { notifier: n.name, type: n.type }, n.state === 'failing' ? 0 : 1);
    out.add(METRICS.alertNotifications, { notifier: n.name, outcome: 'sent' }, n.sent);
    out.add(METRICS.alertNotifications, { notifier: n.name, outcome: 'failed' }, n.failed);
    out.add(METRICS.alertNotificationRetries, { notifier: n.name }, n.retries);
    out.add(METRICS.alertNotifierFailures, { notifier: n.name }, n.consecutiveFailures);
  }
}
