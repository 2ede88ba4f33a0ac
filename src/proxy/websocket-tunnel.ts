import { request, STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { withoutHopByHop } from './hop-by-hop.js';
import { noteOf } from './response-policy/access-log.js';
import type { Tunnel, UpstreamTarget } from './upstream-target.js';

export interface TunnelOptions {
  readonly requestId: string;
  /** The normalised request target forwarded to the app (src/proxy/request-path.ts). */
  readonly path: string;
  /** Upstream request headers (forwarded, hop-by-hop free); Connection/Upgrade are re-added. */
  readonly headers: Record<string, string | string[]>;
  readonly connectTimeoutMs: number;
  /** Time allowed for the upstream's answer (its 101, or a plain response head). */
  readonly responseTimeoutMs: number;
  /** Adds the service's response headers (security headers) to a non-101 answer before it is relayed. */
  readonly decorate?: (headers: Record<string, string | string[]>) => void;
}

/** How long a gracefully ended tunnel may wait for the peers' FIN before it is destroyed. */
const LINGER_MS = 5_000;

/**
 * Proxies a websocket upgrade. The request goes to the target as an HTTP/1.1 request with
 * forwarded headers; only a `101 Switching Protocols` answer turns the connection into a
 * tunnel (bytes piped both ways). Any other answer is relayed to the client as a normal
 * response with `Connection: close`, and the client connection ends with it: nothing the
 * client sends after its upgrade request reaches the app unless the app switched protocols,
 * so a later request on that connection cannot skip admission (auth, rate limits, redirects).
 * The tunnel counts on its target and is closed when the target's drain ends.
 */
export function openTunnel(req: IncomingMessage, client: Duplex, head: Buffer, target: UpstreamTarget, options: TunnelOptions): void {
  let upstream: Socket | undefined;
  let answered = false;
  let done = false;
  const tunnel: Tunnel = { close: () => finish('abort') };
  target.addTunnel(tunnel);
  // Bytes sent by the client before the app switched protocols are never relayed.
  client.pause();

  /** Ends the tunnel once. A status before the upstream answered: the client gets that error. */
  function finish(how: number | 'graceful' | 'abort'): void {
    if (done) return;
    done = true;
    target.removeTunnel(tunnel);
    if (typeof how === 'number' && !answered) {
      outgoing.destroy();
      upstream?.destroy();
      refuse(client, how, options.requestId);
    } else if (how === 'graceful') {
      if (!upstream) outgoing.destroy(); // a plain answer was relayed in full
      upstream?.end();
      client.end();
      setTimeout(() => {
        upstream?.destroy();
        client.destroy();
      }, LINGER_MS).unref();
    } else {
      outgoing.destroy();
      upstream?.destroy();
      client.destroy();
    }
  }

  const outgoing = request({
    host: target.host,
    port: target.port,
    method: req.method ?? 'GET',
    path: options.path,
    headers: { ...options.headers, connection: 'Upgrade', upgrade: req.headers.upgrade ?? 'websocket' },
    agent: false,
    setHost: false,
  });
  let connected = false;
  const connectTimer = setTimeout(() => finish(502), options.connectTimeoutMs);
  let responseTimer: NodeJS.Timeout | undefined;
  outgoing.once('socket', (socket: Socket) => {
    socket.setNoDelay(true);
    socket.once('connect', () => {
      connected = true;
      clearTimeout(connectTimer);
      responseTimer = setTimeout(() => finish(504), options.responseTimeoutMs);
    });
  });
  outgoing.on('error', (err: NodeJS.ErrnoException) => {
    clearTimeout(connectTimer);
    clearTimeout(responseTimer);
    if (!connected && err.code === 'ECONNREFUSED') target.connectFailed(`${err.code}: ${err.message}`);
    finish(answered ? 'abort' : 502);
  });
  outgoing.on('upgrade', (res: IncomingMessage, socket: Socket, upstreamHead: Buffer) => {
    clearTimeout(responseTimer);
    answered = true;
    upstream = socket;
    if (done) {
      socket.destroy();
      return;
    }
    const note = noteOf(client);
    if (note) note.status = 101;
    client.write(responseHead(res, {}));
    if (upstreamHead.length > 0) client.write(upstreamHead);
    if (head.length > 0) socket.write(head);
    socket.pipe(client);
    client.pipe(socket);
    client.resume();
    socket.on('error', () => finish('abort'));
    socket.on('close', (hadError) => finish(hadError ? 'abort' : 'graceful'));
  });
  outgoing.on('response', (res: IncomingMessage) => {
    clearTimeout(responseTimer);
    answered = true;
    relayPlain(res, client, options);
    res.once('end', () => finish('graceful'));
    res.once('error', () => finish('abort'));
  });
  client.on('error', () => finish('abort'));
  client.on('close', () => finish(answered ? 'graceful' : 'abort'));
  outgoing.end();
}

/**
 * The app refused to switch protocols: its answer goes to the client as a normal response,
 * delimited by the connection's close (the client connection is not reused).
 */
function relayPlain(res: IncomingMessage, client: Duplex, options: TunnelOptions): void {
  const headers: Record<string, string | string[]> = withoutHopByHop(res.headers);
  delete headers['content-length'];
  headers['x-request-id'] ??= options.requestId;
  options.decorate?.(headers);
  if (!client.writable) return;
  const note = noteOf(client);
  if (note) note.status = res.statusCode ?? 502;
  client.write(responseHead(res, { ...headers, connection: 'close' }));
  res.pipe(client, { end: false });
}

/** The status line and `headers` (or, for a 101, the app's own headers as sent). */
function responseHead(res: IncomingMessage, headers: Record<string, string | string[]>): string {
  const status = res.statusCode ?? 502;
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`];
  if (status === 101) {
    for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
  } else {
    for (const [name, value] of Object.entries(headers)) {
      for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
    }
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** A minimal HTTP answer (an error, or a redirect with its `location`) on a socket that has not been upgraded. */
export function refuse(socket: Duplex, status: number, requestId: string, location?: string): void {
  if (!socket.writable) return;
  const note = noteOf(socket);
  if (note) note.status = status;
  const body = `${status} ${STATUS_CODES[status] ?? ''}\nRequest id: ${requestId}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      (location === undefined ? '' : `location: ${location}\r\n`) +
      `content-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `x-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
  );
}
