import { request } from 'node:http';
import { z } from 'zod';
import { SlipwayError, type SerializedError } from '../errors.js';
import {
  HandoffResultSchema,
  ProxyStatusSchema,
  RoutingTableSchema,
  TableAckSchema,
  type HandoffResult,
  type ProxyStatus,
  type RoutingTable,
  type RoutingTableInput,
  type TableAck,
} from './protocol.js';

export interface ProxyClientOptions {
  /** Per call, from sending to the whole answer (default 10 s). */
  readonly timeoutMs?: number;
}

const ErrorBodySchema = z.object({
  error: z.looseObject({ code: z.string(), message: z.string(), hint: z.string() }),
});
const ShutdownAckSchema = z.strictObject({ ok: z.literal(true) });

/** The daemon's side of the proxy control socket; answers are validated with protocol.ts. */
export class ProxyClient {
  readonly socketPath: string;
  readonly #timeoutMs: number;

  constructor(socketPath: string, options: ProxyClientOptions = {}) {
    this.socketPath = socketPath;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  async status(): Promise<ProxyStatus> {
    return this.#call('GET', '/v1/status', undefined, ProxyStatusSchema);
  }

  async getTable(): Promise<RoutingTable> {
    return this.#call('GET', '/v1/table', undefined, RoutingTableSchema);
  }

  async putTable(table: RoutingTableInput): Promise<TableAck> {
    return this.#call('PUT', '/v1/table', table, TableAckSchema);
  }

  /** Proxy restart: answers once a new proxy process serves and answers on this socket. */
  async handoff(): Promise<HandoffResult> {
    return this.#call('POST', '/v1/handoff', undefined, HandoffResultSchema);
  }

  async shutdown(): Promise<void> {
    await this.#call('POST', '/v1/shutdown', undefined, ShutdownAckSchema);
  }

  async #call<T>(method: string, path: string, body: unknown, schema: z.ZodType<T>): Promise<T> {
    const { status, text } = await this.#send(method, path, body);
    let json: unknown;
    try {
      json = JSON.parse(text) as unknown;
    } catch (err) {
      throw badResponse(method, path, `not JSON (HTTP ${status})`, err);
    }
    if (status >= 400) {
      const parsed = ErrorBodySchema.safeParse(json);
      if (!parsed.success) throw badResponse(method, path, `HTTP ${status} without an error body`);
      throw SlipwayError.fromJSON(parsed.data.error as SerializedError);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw badResponse(method, path, z.prettifyError(parsed.error));
    return parsed.data;
  }

  #send(method: string, path: string, body: unknown): Promise<{ status: number; text: string }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request({
        socketPath: this.socketPath,
        method,
        path,
        agent: false,
        timeout: this.#timeoutMs,
        headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${this.#timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', (err) => reject(unreachable(this.socketPath, err)));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(unreachable(this.socketPath, err)));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      });
      req.end(payload);
    });
  }
}

function unreachable(socketPath: string, cause: Error): SlipwayError {
  const code = (cause as NodeJS.ErrnoException).code;
  return new SlipwayError('SLW_PROXY_UNREACHABLE', `The proxy did not answer on ${socketPath} (${code ?? cause.message}).`, {
    cause,
    details: { socketPath, errno: code },
  });
}

function badResponse(method: string, path: string, why: string, cause?: unknown): SlipwayError {
  return new SlipwayError('SLW_PROXY_BAD_RESPONSE', `The proxy's answer to ${method} ${path} is not valid: ${why}.`, {
    ...(cause === undefined ? {} : { cause }),
  });
}
