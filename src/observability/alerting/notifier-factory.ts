/** Notifiers from the config, and the redaction of every secret they hold. */
import type { NotifierSpec } from '../../config/alerts-model.js';
import { AlertmanagerNotifier, SlackNotifier, WebhookNotifier } from './http-notifiers.js';
import { hasRefs } from '../../secrets/reference.js';
import type { Notification, Notifier } from './notification.js';
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

/**
 * A notifier built when it is first needed (its settings hold ${secret:NAME} references the
 * daemon reads from the store): a build that fails (a secret not set yet) fails the delivery
 * with its error, and the next delivery builds again.
 */
export class DeferredNotifier implements Notifier {
  #built: Notifier | undefined;
  #building: Promise<Notifier> | undefined;

  constructor(
    readonly name: string,
    readonly type: string,
    private readonly build: () => Promise<Notifier>,
  ) {}

  /** Builds now (at daemon start); rejects with the build's error, and the next send tries again. */
  async ready(): Promise<Notifier> {
    if (this.#built) return this.#built;
    this.#building ??= this.build().finally(() => (this.#building = undefined));
    this.#built = await this.#building;
    return this.#built;
  }

  async send(notification: Notification, signal: AbortSignal): Promise<void> {
    await (await this.ready()).send(notification, signal);
  }

  close(): void {
    this.#built?.close?.();
  }
}

/** Values that must never be shown: secrets, URLs that may carry tokens, SMTP credentials (settings still holding references are skipped). */
export function secretValues(specs: readonly NotifierSpec[]): string[] {
  const out: string[] = [];
  for (const s of specs.filter((spec) => !Object.values(spec).some((v) => typeof v === 'string' && hasRefs(v)))) {
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
