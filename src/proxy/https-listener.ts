import { createSecureServer, type Http2SecureServer, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { listenError } from './http-listener.js';
import type { TlsContexts } from './tls-contexts.js';
import { TLS_POLICY } from './tls-policy.js';
import type { TrafficHandlers } from './http-listener.js';

const CLIENT_KEEP_ALIVE_MS = 65_000;

/**
 * The HTTPS listener: TLS 1.2/1.3 with the intermediate suites, the certificate chosen per
 * handshake by SNI from `contexts`, HTTP/2 by ALPN with HTTP/1.1 fallback. Both protocols
 * reach the same handlers as plain HTTP (HTTP/2 requests are given a Host header from
 * :authority; forwardHeaders drops the pseudo-headers).
 */
export class HttpsListener {
  readonly host: string;
  readonly requestedPort: number;
  readonly #server: Http2SecureServer;
  readonly #sessions = new Set<Http2Session>();
  /** HTTP/1.1 sockets and their requests in flight. */
  readonly #http1 = new Map<TLSSocket, number>();

  private constructor(server: Http2SecureServer, host: string, requestedPort: number) {
    this.#server = server;
    this.host = host;
    this.requestedPort = requestedPort;
  }

  static async bind(handlers: TrafficHandlers, contexts: TlsContexts, host: string, port: number): Promise<HttpsListener> {
    const server = createSecureServer({
      ...TLS_POLICY,
      allowHTTP1: true,
      SNICallback: (servername, cb) => cb(null, contexts.lookup(servername)),
    });
    const listener = new HttpsListener(server, host, port);
    server.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => listener.#onRequest(handlers, req, res));
    server.on('upgrade', handlers.upgrade);
    server.on('session', (session: Http2Session) => {
      listener.#sessions.add(session);
      session.on('close', () => listener.#sessions.delete(session));
      session.on('error', () => undefined);
    });
    server.on('secureConnection', (socket: TLSSocket) => {
      if (socket.alpnProtocol === 'h2') return;
      listener.#http1.set(socket, 0);
      socket.setNoDelay(true);
      socket.setTimeout(CLIENT_KEEP_ALIVE_MS, () => socket.destroy());
      socket.on('close', () => listener.#http1.delete(socket));
    });
    server.on('tlsClientError', (_err, socket: Socket) => socket.destroy());
    listener.useDefault(contexts);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, host, port)));
      server.listen({ host, port }, () => resolve());
    });
    server.on('error', () => undefined);
    return listener;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  matches(host: string, port: number): boolean {
    return this.host === host && (this.requestedPort === port || (port !== 0 && this.port === port));
  }

  /** Clients without SNI get the first certificate of the table. */
  useDefault(contexts: TlsContexts): void {
    const pem = contexts.defaultPem();
    if (pem) this.#server.setSecureContext({ ...TLS_POLICY, ...pem });
  }

  stopAccepting(): void {
    this.#server.close();
    this.closeIdleConnections();
  }

  /** HTTP/2 sessions get a GOAWAY (streams in flight finish); idle HTTP/1.1 sockets close. */
  closeIdleConnections(): void {
    for (const session of this.#sessions) if (!session.closed) session.close();
    for (const [socket, inflight] of this.#http1) if (inflight === 0) socket.destroy();
  }

  closeAllConnections(): void {
    for (const session of this.#sessions) session.destroy();
    for (const socket of this.#http1.keys()) socket.destroy();
  }

  #onRequest(handlers: TrafficHandlers, req: Http2ServerRequest, res: Http2ServerResponse): void {
    if (req.httpVersionMajor >= 2) {
      const headers = req.headers as Record<string, string | string[] | undefined>;
      headers['host'] ??= req.authority; // pseudo-headers stay: the compat API reads url and method from them
    } else {
      const socket = req.socket as TLSSocket;
      this.#http1.set(socket, (this.#http1.get(socket) ?? 0) + 1);
      res.once('close', () => {
        const left = (this.#http1.get(socket) ?? 1) - 1;
        if (this.#http1.has(socket)) this.#http1.set(socket, left);
        if (left === 0 && !this.#server.listening) socket.destroy();
      });
    }
    handlers.request(req as unknown as IncomingMessage, res as unknown as ServerResponse);
  }
}
