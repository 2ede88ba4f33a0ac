/** Notifiers from the config, and the redaction of every secret they hold. */
import type { NotifierSpec } from '../../config/alerts-model.js';
import { AlertmanagerNotifier, SlackNotifier, WebhookNotifier } from './http-notifiers.js';
import type { Notifier } from './notification.js';
import { EmailNotifier } from './smtp-adapter.js';

export function createNotifier(spec: NotifierSpec): Notifier {
  switch (spec.type) {
    case 'webhook':
      return new WebhookNotifier(spec.name, spec.url, spec.secret);
    case 'slack':
      return new SlackNotifier(spec.name, spec.url);
    case 'email':
      return new EmailNotifier(spec.name, spec.smtp, spec.from, spec.to);
    case 'alertmanager':
      return new AlertmanagerNotifier(spec.name, spec.url);
  }
}

/** Values that must never be shown: secrets, URLs that may carry tokens, SMTP credentials. */
export function secretValues(specs: readonly NotifierSpec[]): string[] {
  const out: string[] = [];
  for (const s of specs) {
    if (s.type === 'webhook' && s.secret) out.push(s.secret);
    if (s.type === 'slack') out.push(s.url);
    if (s.type === 'email') {
      const url = new URL(s.smtp);
      if (url.password) out.push(decodeURIComponent(url.password), url.password);
    }
  }
  return out.filter((v) => v.length >= 4);
}

export function redactor(secrets: readonly string[]): (text: string) => string {
  return (text) => secrets.reduce((t, s) => t.split(s).join('[redacted]'), text);
}
