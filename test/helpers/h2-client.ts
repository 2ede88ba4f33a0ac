import { connect, constants as h2, type ClientHttp2Session } from 'node:http2';

/** A GOAWAY a session received: its code and the last stream id the server said it took. */
export interface GoAwaySeen {
  code: number;
  lastStreamId: number;
}

/**
 * An HTTP/2 client that treats GOAWAY as browsers do, by RFC 9113: no new stream on that
 * session, the streams in flight finish, the next request opens a new connection; a stream
 * the server refused (REFUSED_STREAM, which guarantees it was not processed, §8.7) is sent
 * again once on a new connection and counted in `retried`. Nothing else is retried, so a
 * cut stream or an error status is a failure the caller sees. (undici 7 fails the request it
 * has in flight on any GOAWAY and sometimes the next one too, so it cannot tell a graceful
 * server from a rude one.)
 */
export class H2Client {
  readonly goaways: GoAwaySeen[] = [];
  /** Requests sent again after a REFUSED_STREAM. */
  retried = 0;
  #session: ClientHttp2Session | undefined;
  readonly #sessions = new Set<ClientHttp2Session>();

  constructor(
    private readonly origin: string,
    private readonly options: { ca: string; servername: string },
  ) {}

  /** GET `path` with `authority`; resolves to the status, rejects on any other stream or session error. */
  async get(path: string, authority: string, timeoutMs = 5000): Promise<number> {
    try {
      return await this.#once(path, authority, timeoutMs);
    } catch (err) {
      if ((err as { refused?: boolean }).refused !== true) throw err;
      this.retried++;
      return this.#once(path, authority, timeoutMs);
    }
  }

  #once(path: string, authority: string, timeoutMs: number): Promise<number> {
    const session = this.#current();
    return new Promise<number>((resolve, reject) => {
      const stream = session.request({ ':path': path, ':authority': authority });
      let status = 0;
      stream.setTimeout(timeoutMs, () => stream.close());
      stream.on('response', (headers) => {
        status = Number(headers[':status']);
      });
      const fail = (): void => {
        const refused = stream.rstCode === h2.NGHTTP2_REFUSED_STREAM;
        reject(Object.assign(new Error(`stream closed with code ${stream.rstCode} before a whole response`), { refused }));
      };
      stream.on('error', fail);
      stream.resume();
      stream.on('end', () => resolve(status));
      stream.on('close', () => {
        if (status === 0 || stream.rstCode !== h2.NGHTTP2_NO_ERROR) fail();
      });
      stream.end();
    });
  }

  close(): void {
    for (const session of this.#sessions) session.destroy();
    this.#sessions.clear();
  }

  #current(): ClientHttp2Session {
    if (this.#session && !this.#session.closed && !this.#session.destroyed) return this.#session;
    const session = connect(this.origin, { ca: this.options.ca, servername: this.options.servername });
    this.#session = session;
    this.#sessions.add(session);
    session.on('goaway', (code, lastStreamId) => {
      this.goaways.push({ code, lastStreamId });
      if (this.#session === session) this.#session = undefined;
    });
    session.on('close', () => {
      this.#sessions.delete(session);
      if (this.#session === session) this.#session = undefined;
    });
    session.on('error', () => undefined); // each stream reports its own failure
    return session;
  }
}
