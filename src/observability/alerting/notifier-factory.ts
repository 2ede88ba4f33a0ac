/** Notifiers from the config, and the redaction of every secret they hold. */
import { createHash } from 'node:crypto';
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
 * A notifier whose settings hold ${secret:NAME} references the daemon reads from the store.
 * Each delivery reads them again and builds the notifier anew only when a value changed, so a
 * rotated webhook key signs the next notification without a daemon restart. A read that fails
 * (a secret not set yet) fails that delivery with its error; the next one reads again.
 */
export class DeferredNotifier implements Notifier {
  #built: { readonly key: string; readonly notifier: Notifier } | undefined;
  #reading: Promise<Notifier> | undefined;

  constructor(
    readonly name: string,
    readonly type: string,
    private readonly resolve: () => Promise<NotifierSpec>,
  ) {}

  /** The notifier for the store's current values; rejects with the read's error. */
  ready(): Promise<Notifier> {
    this.#reading ??= this.#refresh().finally(() => (this.#reading = undefined));
    return this.#reading;
  }

  async #refresh(): Promise<Notifier> {
    const spec = await this.resolve();
    // A digest of the resolved settings, kept in memory only, tells whether a value changed.
    const key = createHash('sha256').update(JSON.stringify(spec)).digest('hex');
    if (this.#built?.key !== key) {
      this.#built?.notifier.close?.();
      this.#built = { key, notifier: createNotifier(spec) };
    }
    return this.#built.notifier;
  }

  async send(notification: Notification, signal: AbortSignal): Promise<void> {
    await (await this.ready()).send(notification, signal);
  }

  close(): void {
    this.#built?.notifier.close?.();
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
