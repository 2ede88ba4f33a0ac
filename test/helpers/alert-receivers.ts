// Real receivers for alert notifications: an HTTP webhook endpoint and an SMTP server (smtp-server).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Received {
  readonly headers: Record<string, string | string[] | undefined>;
  /** The request's path (and query). */
  readonly url: string;
  readonly body: string;
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- asserted by each test
}

export interface ReceiverOptions {
  /** Answer this many requests with `failStatus` (and record them in `failedAt`) before accepting. */
  readonly failFirst?: number;
  readonly failStatus?: number;
}

export class WebhookReceiver {
  readonly received: Received[] = [];
  /** Arrival times (epoch ms) of the requests answered with an error. */
  readonly failedAt: number[] = [];
  /** Arrival times (epoch ms) of the requests accepted, in the order of `received`. */
  readonly receivedAt: number[] = [];
  readonly #o: ReceiverOptions;

  constructor(o: ReceiverOptions = {}) {
    this.#o = o;
  }

  readonly #server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      if (this.failedAt.length < (this.#o.failFirst ?? 0)) {
        this.failedAt.push(Date.now());
        res.writeHead(this.#o.failStatus ?? 500).end('receiver down');
        return;
      }
      this.receivedAt.push(Date.now());
      this.received.push({ headers: req.headers, url: req.url ?? '', body, json });
      res.writeHead(204).end();
    });
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

export class MailReceiver {
  readonly messages: string[] = [];
  readonly #server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData: (stream, _session, done) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        this.messages.push(Buffer.concat(chunks).toString('utf8'));
        done();
      });
    },
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', () => resolve()));
    return `smtp://127.0.0.1:${(this.#server.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
