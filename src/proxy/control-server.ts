import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { chmod, unlink } from 'node:fs/promises';
import { SlipwayError, toSlipwayError, type ErrorCode } from '../errors.js';
import type { HandoffResult, ProxyStatus, RoutingTable, TableAck } from './protocol.js';

/** What the control socket exposes (see protocol.ts for the routes). */
export interface ControlApi {
  status(): ProxyStatus;
  table(): RoutingTable | undefined;
  applyTable(body: unknown): Promise<TableAck>;
  /** Starts a graceful shutdown; the answer is sent before it begins. */
  shutdown(): void;
  /** Hands the listeners, pid file and control socket to a new proxy process (proxy restart). */
  handoff(): Promise<HandoffResult>;
  /** After a handoff's answer was sent: this process retires. */
  handedOff(): void;
}

/** Tables are small; anything bigger than this is a mistake. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  SLW_PROXY_BAD_TABLE: 400,
  SLW_PROXY_NOT_FOUND: 404,
  SLW_PROXY_NO_TABLE: 404,
  SLW_PROXY_STALE_TABLE: 409,
  SLW_PROXY_LISTEN_FAILED: 409,
  SLW_PROXY_SHUTTING_DOWN: 503,
  SLW_PROXY_HANDOFF_FAILED: 500,
};

/** HTTP/1.1 on a unix socket, mode 0600. */
export class ControlServer {
  readonly #server: Server;
  readonly #path: string;

  private constructor(server: Server, path: string) {
    this.#server = server;
    this.#path = path;
  }

  static async listen(socketPath: string, api: ControlApi): Promise<ControlServer> {
    const server = createServer((req, res) => {
      handle(api, req, res).catch((err: unknown) => sendError(res, toSlipwayError(err)));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
    await chmod(socketPath, 0o600);
    return new ControlServer(server, socketPath);
  }

  /**
   * Stops answering and removes the socket file. Calls in flight are cut, unless `graceMs`:
   * then they may finish for that long (after a handoff, forwarded table pushes).
   */
  async close(graceMs = 0): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeIdleConnections();
      if (graceMs === 0) this.#server.closeAllConnections();
      else setTimeout(() => this.#server.closeAllConnections(), graceMs).unref();
    });
    await unlink(this.#path).catch(() => undefined);
  }
}

async function handle(api: ControlApi, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const route = `${req.method ?? ''} ${(req.url ?? '').split('?')[0]}`;
  switch (route) {
    case 'GET /v1/status':
      return sendJson(res, 200, api.status());
    case 'GET /v1/table': {
      const table = api.table();
      if (!table) throw new SlipwayError('SLW_PROXY_NO_TABLE', 'The proxy has no routing table yet.');
      return sendJson(res, 200, table);
    }
    case 'PUT /v1/table':
      return sendJson(res, 200, await api.applyTable(await readJson(req)));
    case 'POST /v1/handoff': {
      const result = await api.handoff();
      sendJson(res, 200, result);
      res.once('finish', () => api.handedOff());
      return;
    }
    case 'POST /v1/shutdown':
      sendJson(res, 200, { ok: true });
      res.once('finish', () => api.shutdown());
      return;
    default:
      req.resume();
      throw new SlipwayError('SLW_PROXY_NOT_FOUND', `The proxy control API has no route ${route}.`);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new SlipwayError('SLW_PROXY_BAD_TABLE', `The table is larger than ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch (err) {
    throw new SlipwayError('SLW_PROXY_BAD_TABLE', 'The table is not valid JSON.', { cause: err });
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, err: SlipwayError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, STATUS_OF[err.code] ?? 500, { error: err.toJSON() });
}
