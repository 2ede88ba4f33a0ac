import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { SlipwayError } from '../errors.js';
import { applyServerLimits, clientErrorResponse, CONNECTION_CHECK_MS, DEFAULT_LIMITS, type EffectiveLimits } from './admission/limits.js';

export interface TrafficHandlers {
  request(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** A request node refused before it reached `request` (400, 408, 431): for the counters. */
  refused?(status: number): void;
}

/** Idle client keep-alive connections are kept this long (nginx keeps 75 s). */
const CLIENT_KEEP_ALIVE_MS = 65_000;

/** One bound listener for client traffic. */
export class HttpListener {
  readonly host: string;
  /** The port asked for (0: any). */
  readonly requestedPort: number;
  readonly #server: Server;
  /** The listening socket when it was handed over by a previous proxy process (else #server listens). */
  readonly #acceptor: NetServer | undefined;
  readonly #retire: RetireState;
  #port = 0;

  private constructor(server: Server, host: string, requestedPort: number, retire: RetireState, acceptor?: NetServer) {
    this.#server = server;
    this.host = host;
    this.requestedPort = requestedPort;
    this.#retire = retire;
    this.#acceptor = acceptor;
  }

  /**
   * Serves a listening socket handed over by the previous proxy process (proxy restart):
   * its connections, those already accepted included, reach this listener's handlers.
   */
  static adopt(handlers: TrafficHandlers, acceptor: NetServer, pending: readonly Socket[], host: string, requestedPort: number): HttpListener {
    const retire = new RetireState();
    const server = HttpListener.#create(handlers, retire);
    // Node starts its header/request timeout checks (slowloris) on 'listening', which a server
    // fed connections by another never emits by itself.
    server.emit('listening');
    const take = (socket: Socket): void => {
      socket.setNoDelay(true);
      server.emit('connection', socket);
    };
    acceptor.removeAllListeners('connection');
    acceptor.on('connection', take);
    acceptor.on('error', () => undefined);
    for (const socket of pending) take(socket);
    return new HttpListener(server, host, requestedPort, retire, acceptor);
  }

  static #create(handlers: TrafficHandlers, retire: RetireState): Server {
    // Strict parsing (never the lenient parser) and Host required: see src/proxy/admission/request-framing.ts.
    const server = createServer({ noDelay: true, insecureHTTPParser: false, requireHostHeader: true, connectionsCheckingInterval: CONNECTION_CHECK_MS }, (req, res) => {
      retire.track(req.socket, res);
      handlers.request(req, res);
    });
    server.keepAliveTimeout = CLIENT_KEEP_ALIVE_MS;
    server.on('connection', (socket: Socket) => void retire.add(socket));
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      retire.forget(socket); // a tunnel now: drained with its target, not as an idle connection
      handlers.upgrade(req, socket, head);
    });
    applyServerLimits(server, DEFAULT_LIMITS);
    // CONNECT asks for a tunnel this gateway never opens: 501 (node would close without a word).
    server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
      handlers.refused?.(501);
      socket.on('error', () => undefined);
      socket.end('HTTP/1.1 501 Not Implemented\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket & { _httpMessage?: ServerResponse | null }) => {
      const answer = clientErrorResponse(err.code);
      if (answer !== undefined) handlers.refused?.(Number(answer.slice(9, 12)));
      // Once a response has started on this connection, raw bytes would corrupt it: just close.
      if (answer === undefined || !socket.writable || socket._httpMessage?.headersSent) socket.destroy();
      else socket.end(answer);
    });
    return server;
  }

  /** The listening socket, to hand over to a new proxy process (proxy restart). */
  get listeningServer(): NetServer {
    return this.#acceptor ?? this.#server;
  }

  /**
   * After a handover: stops accepting without cutting anything. Each later response on a kept
   * connection carries `Connection: close`; connections idle for `idleMs` are closed by
   * `closeIdleSince` (the client has moved on to the new process).
   */
  retire(): void {
    this.#retire.retiring = true;
    if (this.#acceptor) this.#acceptor.close();
    else NetServer.prototype.close.call(this.#server);
  }

  /** Client connections still open (websockets excepted). */
  connectionCount(): number {
    return this.#retire.size;
  }

  /** While retiring: closes the connections with nothing in flight for at least `idleMs`. */
  closeIdleSince(idleMs: number): void {
    this.#retire.closeIdle(idleMs);
  }

  /** Binds host:port; SLW_PROXY_LISTEN_FAILED says which port and why when it cannot. */
  static async bind(handlers: TrafficHandlers, host: string, port: number): Promise<HttpListener> {
    const retire = new RetireState();
    const server = HttpListener.#create(handlers, retire);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, host, port)));
      server.listen({ host, port }, () => resolve());
    });
    server.on('error', () => undefined); // after listening, errors belong to connections
    return new HttpListener(server, host, port, retire);
  }

  /** The bound port (still known after the listening socket was handed over and closed here). */
  get port(): number {
    const address = this.listeningServer.address() as AddressInfo | null;
    if (address) this.#port = address.port;
    return this.#port;
  }

  /** The table's limits: header size applies to new connections, timeouts at once. */
  applyLimits(limits: EffectiveLimits): void {
    applyServerLimits(this.#server, limits);
    if (this.#acceptor) this.#acceptor.maxConnections = limits.maxConnections;
  }

  /** Whether this listener already satisfies a table's listen address. */
  matches(host: string, port: number): boolean {
    return this.host === host && (this.requestedPort === port || (port !== 0 && this.port === port));
  }

  /** Stops accepting; idle keep-alive connections close now, busy ones after their response. */
  stopAccepting(): void {
    this.#acceptor?.close();
    this.#server.close();
    this.#server.closeIdleConnections();
  }

  closeIdleConnections(): void {
    this.#server.closeIdleConnections();
  }

  closeAllConnections(): void {
    this.#server.closeAllConnections();
  }
}

export function listenError(err: NodeJS.ErrnoException, host: string, port: number): SlipwayError {
  const why =
    err.code === 'EADDRINUSE'
      ? `another program is already listening on port ${port}`
      : err.code === 'EACCES'
        ? `binding port ${port} needs privileges`
        : (err.code ?? err.message);
  return new SlipwayError('SLW_PROXY_LISTEN_FAILED', `The proxy could not listen on ${host}:${port}: ${why}.`, {
    cause: err,
    hint:
      err.code === 'EACCES'
        ? `Run slipway as root, grant the capability (setcap cap_net_bind_service=+ep "$(command -v node)"), or choose a port above 1023 under proxy.http in slipway.yaml.`
        : `Find the program with \`ss -ltnp 'sport = :${port}'\` and stop it, or choose another port under proxy.http in slipway.yaml.`,
    details: { host, port, errno: err.code },
  });
}

/** Connections of a listener and when each last finished a response, for a graceful retire. */
class RetireState {
  retiring = false;
  readonly #sockets = new Map<Socket, { busy: number; idleSince: number }>();

  add(socket: Socket): { busy: number; idleSince: number } {
    let entry = this.#sockets.get(socket);
    if (!entry) {
      entry = { busy: 0, idleSince: Date.now() };
      this.#sockets.set(socket, entry);
      socket.once('close', () => this.#sockets.delete(socket));
    }
    return entry;
  }

  get size(): number {
    return this.#sockets.size;
  }

  forget(socket: Socket): void {
    this.#sockets.delete(socket);
  }

  track(socket: Socket, res: ServerResponse): void {
    const own = this.add(socket);
    own.busy++;
    if (this.retiring) res.setHeader('connection', 'close');
    res.once('close', () => {
      own.busy--;
      own.idleSince = Date.now();
    });
  }

  closeIdle(idleMs: number): void {
    const now = Date.now();
    for (const [socket, entry] of this.#sockets) if (entry.busy === 0 && now - entry.idleSince >= idleMs) socket.destroy();
  }
}
