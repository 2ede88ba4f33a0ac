/** What notifiers send: one group (a service, or "slipway" for global rules) per notification. */
import type { Severity } from '../alert-rules.js';

export interface AlertView {
  readonly rule: string;
  readonly service: string;
  readonly status: 'firing' | 'resolved';
  readonly severity: Severity;
  readonly summary: string;
  readonly hint: string;
  readonly value?: number | undefined;
  readonly startsAt: string;
  readonly endsAt?: string | undefined;
  /** Deploy-aware annotation: the deployment in progress, or the one that failed. */
  readonly deployment?: string | undefined;
}

export interface Notification {
  readonly version: 1;
  /** The service, or "slipway" for rules about slipway itself. */
  readonly group: string;
  readonly status: 'firing' | 'resolved';
  readonly alerts: readonly AlertView[];
  readonly sentAt: string;
  /** Sent by `slipway alerts test`. */
  readonly test?: true;
}

export interface Notifier {
  readonly name: string;
  readonly type: string;
  send(notification: Notification, signal: AbortSignal): Promise<void>;
  close?(): void;
}

/** A short plain-text rendering (Slack, email). */
export function notificationText(n: Notification): string {
  const head = `[${n.status.toUpperCase()}] ${n.group}${n.test ? ' (test notification)' : ''}`;
  const lines = n.alerts.map(
    (a) => `- ${a.status === 'resolved' ? 'RESOLVED ' : ''}${a.severity} ${a.rule}: ${a.summary}${a.deployment ? ` [deployment ${a.deployment}]` : ''}\n  hint: ${a.hint}`,
  );
  return [head, ...lines].join('\n');
}
