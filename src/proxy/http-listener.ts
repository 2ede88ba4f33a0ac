import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { SlipwayError } from '../errors.js';

export interface TrafficHandlers {
  request(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/** Idle client keep-alive connections are kept this long (nginx keeps 75 s). */
const CLIENT_KEEP_ALIVE_MS = 65_000;

/** One bound listener for client traffic. */
export class HttpListener {
  readonly host: string;
  /** The port asked for (0: any). */
  readonly requestedPort: number;
  readonly #server: Server;

  private constructor(server: Server, host: string, requestedPort: number) {
    this.#server = server;
    this.host = host;
    this.requestedPort = requestedPort;
  }

  /** Binds host:port; SLW_PROXY_LISTEN_FAILED says which port and why when it cannot. */
  static async bind(handlers: TrafficHandlers, host: string, port: number): Promise<HttpListener> {
    const server = createServer({ noDelay: true }, handlers.request);
    server.keepAliveTimeout = CLIENT_KEEP_ALIVE_MS;
    server.on('upgrade', handlers.upgrade);
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      if (err.code === 'ECONNRESET' || !socket.writable) socket.destroy();
      else socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, host, port)));
      server.listen({ host, port }, () => resolve());
    });
    server.on('error', () => undefined); // after listening, errors belong to connections
    return new HttpListener(server, host, port);
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Whether this listener already satisfies a table's listen address. */
  matches(host: string, port: number): boolean {
    return this.host === host && (this.requestedPort === port || (port !== 0 && this.port === port));
  }

  /** Stops accepting; idle keep-alive connections close now, busy ones after their response. */
  stopAccepting(): void {
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
