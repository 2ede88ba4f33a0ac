import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Tunnel, UpstreamTarget } from './upstream-target.js';

export interface TunnelOptions {
  readonly requestId: string;
  /** Upstream request headers (forwarded, hop-by-hop free); Connection/Upgrade are re-added. */
  readonly headers: Record<string, string | string[]>;
  readonly connectTimeoutMs: number;
  /** Time allowed for the upstream's first byte (its 101 answer). */
  readonly responseTimeoutMs: number;
}

/**
 * Proxies a websocket upgrade: a raw TCP connection to the target, the request head re-sent
 * with forwarded headers, then bytes piped both ways. The upstream's answer (101 or an error)
 * is relayed as is. The tunnel counts on its target and is closed when the target's drain ends.
 */
/** How long a gracefully ended tunnel may wait for the peers' FIN before it is destroyed. */
const LINGER_MS = 5_000;

export function openTunnel(
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  target: UpstreamTarget,
  options: TunnelOptions,
): void {
  const upstream = connect({ host: target.host, port: target.port, noDelay: true });
  let connected = false;
  let answered = false;
  let done = false;
  const tunnel: Tunnel = { close: () => finish('abort') };
  target.addTunnel(tunnel);

  /**
   * Ends the tunnel once. A status before the upstream answered: the client gets that error.
   * 'graceful': flush and end both sides (a websocket close frame must not be cut off).
   */
  function finish(how: number | 'graceful' | 'abort'): void {
    if (done) return;
    done = true;
    if (typeof how === 'number' && !answered) {
      upstream.destroy();
      refuse(client, how, options.requestId);
    } else if (how === 'graceful') {
      upstream.end();
      client.end();
      setTimeout(() => {
        upstream.destroy();
        client.destroy();
      }, LINGER_MS).unref();
    } else {
      upstream.destroy();
      client.destroy();
    }
    target.removeTunnel(tunnel);
  }

  upstream.setTimeout(options.connectTimeoutMs, () => finish(connected ? 504 : 502));
  upstream.once('connect', () => {
    connected = true;
    upstream.setTimeout(options.responseTimeoutMs);
    upstream.write(requestHead(req, options.headers));
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.once('data', () => {
    answered = true;
    upstream.setTimeout(0);
  });
  upstream.on('error', (err: NodeJS.ErrnoException) => {
    if (!connected && err.code === 'ECONNREFUSED') target.connectFailed(`${err.code}: ${err.message}`);
    finish(answered ? 'abort' : 502);
  });
  upstream.on('close', (hadError) => finish(!answered ? 502 : hadError ? 'abort' : 'graceful'));
  client.on('error', () => finish('abort'));
  client.on('close', () => finish('graceful'));
}

function requestHead(req: IncomingMessage, headers: Record<string, string | string[]>): string {
  const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`];
  for (const [name, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
  }
  lines.push('connection: Upgrade', `upgrade: ${req.headers.upgrade ?? 'websocket'}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** A minimal HTTP error answer on a socket that has not been upgraded. */
export function refuse(socket: Duplex, status: number, requestId: string): void {
  if (!socket.writable) return;
  const body = `${status} ${STATUS_CODES[status] ?? ''}\nRequest id: ${requestId}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      `content-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `x-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
  );
}
