/**
 * The nodemailer adapter: the only file that imports nodemailer. Email notifications over SMTP.
 * nodemailer loads with the first email sent, so that a daemon whose notifiers send no email
 * never carries it (BENCHMARKS.md, Memory).
 */
import type { Transporter } from 'nodemailer';
import { notificationText, type Notification, type Notifier } from './notification.js';

export class EmailNotifier implements Notifier {
  readonly type = 'email';
  #transport: Promise<Transporter> | undefined;
  #closed = false;

  constructor(
    readonly name: string,
    private readonly smtp: string,
    readonly from: string,
    readonly to: readonly string[],
  ) {}

  #transporter(): Promise<Transporter> {
    this.#transport ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport(this.smtp, {}));
    return this.#transport;
  }

  async send(n: Notification, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.#closed) throw new Error(`email notifier ${this.name} is closed`);
    const subject = `[slipway ${n.status}] ${n.group}: ${n.alerts.map((a) => a.rule).join(', ')}`;
    const transport = await this.#transporter();
    signal.throwIfAborted();
    await transport.sendMail({ from: this.from, to: [...this.to], subject, text: notificationText(n) });
  }

  close(): void {
    this.#closed = true;
    void this.#transport?.then((t) => t.close(), () => undefined);
  }
}
