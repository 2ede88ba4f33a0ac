/** The nodemailer adapter: the only file that imports nodemailer. Email notifications over SMTP. */
import nodemailer from 'nodemailer';
import { notificationText, type Notification, type Notifier } from './notification.js';

export class EmailNotifier implements Notifier {
  readonly type = 'email';
  readonly #transport: nodemailer.Transporter;

  constructor(
    readonly name: string,
    smtp: string,
    readonly from: string,
    readonly to: readonly string[],
  ) {
    this.#transport = nodemailer.createTransport(smtp, {});
  }

  async send(n: Notification, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const subject = `[slipway ${n.status}] ${n.group}: ${n.alerts.map((a) => a.rule).join(', ')}`;
    await this.#transport.sendMail({ from: this.from, to: [...this.to], subject, text: notificationText(n) });
  }

  close(): void {
    this.#transport.close();
  }
}
