import { createServer, request, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createRootCa, signLeaf } from '../../src/certs/x509-adapter.js';
import { freePort } from '../../src/lib/free-port.js';

export type FrontMode = { kind: 'pass' } | { kind: 'rate-limit'; retryAfterS: number };

/** Answers a request itself (true) or lets it through to pebble (false). */
export type FrontHook = (req: IncomingMessage, res: ServerResponse, body: Buffer) => boolean;

export interface AcmeFront {
  /** The directory URL through the front. */
  readonly directoryUrl: string;
  /** The front's own throwaway CA (add it to tls.acme.caBundle). */
  readonly caPem: string;
  readonly port: number;
  mode: FrontMode;
  /** Extra answers in front of pebble (RFC 9773 renewalInfo in the ARI test). */
  hook: FrontHook | undefined;
  /** Fields added to pebble's directory (e.g. renewalInfo), relative paths made absolute on the front. */
  directoryExtra: Record<string, string>;
  /** Decoded JWS payloads of newOrder requests. */
  readonly orders: Array<Record<string, unknown>>;
  /** Requests seen, "METHOD path". */
  readonly seen: string[];
  /** Stops listening and cuts every connection: "the ACME server is down". */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real HTTPS server in front of pebble on loopback: passes every request through with its
 * Host header (pebble builds its URLs from it, so the directory points back at the front),
 * can answer newOrder with a 429 rateLimited problem and Retry-After, or go down.
 */
export async function startAcmeFront(pebbleDirectoryUrl: string, pebbleCa: string): Promise<AcmeFront> {
  const ca = await createRootCa('acme front test CA', 2);
  const leaf = await signLeaf(ca, ['localhost', '127.0.0.1'], { days: 2 });
  const target = new URL(pebbleDirectoryUrl);
  const port = await freePort();
  const directory = JSON.parse(await getText(pebbleDirectoryUrl, pebbleCa)) as { newOrder: string };
  const newOrderPath = new URL(directory.newOrder).pathname;
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const front: AcmeFront = {
    directoryUrl: `https://localhost:${port}${target.pathname}`,
    caPem: ca.certPem,
    port,
    mode: { kind: 'pass' },
    hook: undefined,
    directoryExtra: {},
    orders: [],
    seen: [],
    down: async () => {
      const s = server;
      server = undefined;
      if (!s) return;
      const closed = new Promise<void>((r) => s.close(() => r()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    up: async () => {
      if (server) return;
      const s = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => void handle(req, res));
      s.on('connection', (socket: Socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, '127.0.0.1', () => resolve());
      });
      server = s;
    },
    close: () => front.down(),
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    front.seen.push(`${req.method} ${req.url}`);
    if (req.method === 'POST' && req.url === newOrderPath) {
      const payload = (JSON.parse(body.toString()) as { payload?: string }).payload ?? '';
      front.orders.push(JSON.parse(Buffer.from(payload, 'base64url').toString() || '{}') as Record<string, unknown>);
    }
    if (front.hook?.(req, res, body)) return;
    if (front.mode.kind === 'rate-limit' && req.method === 'POST' && req.url === newOrderPath) {
      const problem = JSON.stringify({ type: 'urn:ietf:params:acme:error:rateLimited', detail: 'too many new orders recently', status: 429 });
      res.writeHead(429, { 'content-type': 'application/problem+json', 'retry-after': String(front.mode.retryAfterS), 'content-length': Buffer.byteLength(problem) });
      res.end(problem);
      return;
    }
    const upstream = request(
      { host: '127.0.0.1', port: target.port, servername: 'localhost', path: req.url, method: req.method, headers: req.headers, ca: pebbleCa, agent: false },
      (answer) => {
        if (req.url === target.pathname && Object.keys(front.directoryExtra).length > 0) {
          let text = '';
          answer.on('data', (c: Buffer) => (text += c.toString()));
          answer.on('end', () => {
            const origin = `https://${req.headers.host ?? `localhost:${port}`}`;
            const extra = Object.fromEntries(Object.entries(front.directoryExtra).map(([k, v]) => [k, v.startsWith('/') ? origin + v : v]));
            const json = JSON.stringify({ ...(JSON.parse(text) as object), ...extra });
            res.writeHead(answer.statusCode ?? 200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
            res.end(json);
          });
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    upstream.end(body);
  };
  await front.up();
  return front;
}

function getText(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end();
  });
}
