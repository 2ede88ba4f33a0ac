import type { Http2SecureServer, Http2ServerRequest, Http2ServerResponse, Http2Session } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server as NetServer, type AddressInfo, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { listenError } from './http-listener.js';
import { applyServerLimits, CONNECTION_CHECK_MS, DEFAULT_LIMITS, type EffectiveLimits, type LimitableServer } from './admission/limits.js';
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
  /** HTTP/1.1 sockets: when each last finished a response (for a graceful retire). */
  readonly #idleSince = new Map<TLSSocket, number>();
  /** The listening socket when it was handed over by a previous proxy process. */
  #acceptor: NetServer | undefined;
  #retiring = false;
  #port = 0;
  /** The table's limits; the handshake and HTTP/2 idle timeouts read them per connection. */
  #limits: EffectiveLimits = DEFAULT_LIMITS;
  /** Connections still in their TLS handshake, by remote address and port: the timer that cuts each. */
  readonly #handshaking = new Map<string, NodeJS.Timeout>();

  private constructor(server: Http2SecureServer, host: string, requestedPort: number) {
    this.#server = server;
    this.host = host;
    this.requestedPort = requestedPort;
  }

  /** Serves a listening socket handed over by the previous proxy process (proxy restart). */
  static adopt(
    handlers: TrafficHandlers,
    contexts: TlsContexts,
    acceptor: NetServer,
    pending: readonly Socket[],
    host: string,
    requestedPort: number,
  ): HttpsListener {
    const listener = HttpsListener.#create(handlers, contexts, host, requestedPort);
    listener.#acceptor = acceptor;
    // Node starts its HTTP/1.1 header/request timeout checks on 'listening' (see HttpListener.adopt).
    listener.#server.emit('listening');
    const take = (socket: Socket): void => void listener.#server.emit('connection', socket);
    acceptor.removeAllListeners('connection');
    acceptor.on('connection', take);
    acceptor.on('error', () => undefined);
    for (const socket of pending) take(socket);
    return listener;
  }

  /** The listening socket, to hand over to a new proxy process (proxy restart). */
  get listeningServer(): NetServer {
    return this.#acceptor ?? this.#server;
  }

  /**
   * After a handover: stops accepting without cutting anything. HTTP/2 sessions get a GOAWAY
   * (streams in flight finish); HTTP/1.1 responses carry `Connection: close`.
   */
  retire(): void {
    this.#retiring = true;
    if (this.#acceptor) this.#acceptor.close();
    else NetServer.prototype.close.call(this.#server);
    for (const session of this.#sessions) if (!session.closed) session.close();
  }

  /** Client connections still open (HTTP/2 sessions and HTTP/1.1 sockets; websockets excepted). */
  connectionCount(): number {
    return this.#sessions.size + this.#http1.size;
  }

  /** While retiring: closes HTTP/1.1 sockets with nothing in flight for at least `idleMs`. */
  closeIdleSince(idleMs: number): void {
    const now = Date.now();
    for (const [socket, inflight] of this.#http1) {
      if (inflight === 0 && now - (this.#idleSince.get(socket) ?? 0) >= idleMs) socket.destroy();
    }
  }

  static async bind(handlers: TrafficHandlers, contexts: TlsContexts, host: string, port: number): Promise<HttpsListener> {
    const listener = HttpsListener.#create(handlers, contexts, host, port);
    const server = listener.#server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, host, port)));
      server.listen({ host, port }, () => resolve());
    });
    server.on('error', () => undefined);
    return listener;
  }

  static #create(handlers: TrafficHandlers, contexts: TlsContexts, host: string, port: number): HttpsListener {
    // node:http2 (and TLS with it) loads with the first HTTPS listener: a proxy serving plain HTTP never loads it.
    const server = process.getBuiltinModule('node:http2').createSecureServer({
      ...TLS_POLICY,
      allowHTTP1: true,
      SNICallback: (servername, cb) => cb(null, contexts.lookup(servername)),
    });
    // Node checks the HTTP/1.1 header and request timeouts of an allowHTTP1 server every 30 s
    // (a slow-header client would hold on up to 30 s past the header timeout); check as often as
    // the plain listener does. The property exists at run time; node's types omit it on this class.
    (server as unknown as { connectionsCheckingInterval: number }).connectionsCheckingInterval = CONNECTION_CHECK_MS;
    const listener = new HttpsListener(server, host, port);
    // Every new connection first passes the TLS-ALPN-01 router (a no-op while no challenge is pending).
    const accept = server.listeners('connection') as Array<(socket: Socket) => void>;
    server.removeAllListeners('connection');
    server.on('connection', (socket: Socket) => {
      listener.#cutIfNoHandshake(socket);
      contexts.routeConnection(socket, (s) => accept.forEach((fn) => fn.call(server, s)));
    });
    server.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => listener.#onRequest(handlers, req, res));
    server.on('upgrade', (req: IncomingMessage, socket: TLSSocket, head: Buffer) => {
      listener.#http1.delete(socket); // a tunnel now: drained with its target, not as an idle connection
      listener.#idleSince.delete(socket);
      handlers.upgrade(req, socket, head);
    });
    server.on('session', (session: Http2Session) => {
      listener.#sessions.add(session);
      // Idle like a kept-alive HTTP/1.1 connection: a GOAWAY, then the connection closes once
      // any stream still open (quiet, not idle) has ended.
      session.setTimeout(listener.#limits.idleTimeoutMs, () => {
        if (!session.closed && !session.destroyed) session.close();
      });
      session.on('close', () => listener.#sessions.delete(session));
      session.on('error', () => undefined);
    });
    server.on('secureConnection', (socket: TLSSocket) => {
      listener.#handshakeDone(socket);
      if (socket.alpnProtocol === 'h2') return;
      listener.#http1.set(socket, 0);
      listener.#idleSince.set(socket, Date.now());
      socket.setNoDelay(true);
      socket.setTimeout(CLIENT_KEEP_ALIVE_MS, () => socket.destroy());
      socket.on('close', () => {
        listener.#http1.delete(socket);
        listener.#idleSince.delete(socket);
      });
    });
    server.on('tlsClientError', (_err, socket: Socket) => socket.destroy());
    listener.useDefault(contexts);
    return listener;
  }

  /**
   * Node's own TLS handshake timeout is fixed when the server is made (120 s by default), so a
   * client that connects and never finishes its handshake would outlive the header timeout
   * (slowloris one layer down). Each raw connection gets the table's header timeout for it.
   * Keyed by remote address and port, which the TLS socket over it reports the same.
   */
  #cutIfNoHandshake(socket: Socket): void {
    const key = connectionKey(socket);
    const timer = setTimeout(() => {
      if (this.#handshaking.get(key) !== timer) return;
      this.#handshaking.delete(key);
      socket.destroy();
    }, this.#limits.headerTimeoutMs);
    timer.unref();
    this.#handshaking.set(key, timer);
  }

  #handshakeDone(socket: TLSSocket): void {
    const key = connectionKey(socket);
    clearTimeout(this.#handshaking.get(key));
    this.#handshaking.delete(key);
  }

  /** The bound port (still known after the listening socket was handed over and closed here). */
  get port(): number {
    const address = this.listeningServer.address() as AddressInfo | null;
    if (address) this.#port = address.port;
    return this.#port;
  }

  /** The table's limits: HTTP/1.1 over TLS like the plain listener; HTTP/2 gets the header list size. */
  applyLimits(limits: EffectiveLimits): void {
    // An https/http2 secure server has the timeout and header-size properties node:http's server has.
    applyServerLimits(this.#server as unknown as LimitableServer, limits);
    this.#limits = limits;
    if (this.#acceptor) this.#acceptor.maxConnections = limits.maxConnections; // it accepts, after a handover
    this.#server.updateSettings({ maxHeaderListSize: limits.headerBytes });
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
    this.#acceptor?.close();
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
      if (this.#retiring) res.setHeader('connection', 'close');
      res.once('close', () => {
        const left = (this.#http1.get(socket) ?? 1) - 1;
        if (this.#http1.has(socket)) this.#http1.set(socket, left);
        this.#idleSince.set(socket, Date.now());
        // Stopped (not retired after a handover, where closeIdleSince lets the client move on first).
        if (left === 0 && !this.listeningServer.listening && !this.#retiring) socket.destroy();
      });
    }
    handlers.request(req as unknown as IncomingMessage, res as unknown as ServerResponse);
  }
}

/** A client connection's remote address and port: the same on the raw socket and the TLS socket over it. */
function connectionKey(socket: Socket): string {
  return `${socket.remoteAddress ?? ''}|${socket.remotePort ?? 0}`;
}
