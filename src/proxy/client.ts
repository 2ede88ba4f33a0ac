import { request } from 'node:http';
import { SlipwayError, type SerializedError } from '../errors.js';
import { jsonProblems, withDefaults, type JsonSchema } from '../lib/json-check.js';
import type { HandoffResult, ProxyStatus, RoutingTable, RoutingTableInput, TableAck } from './protocol.js';
import { proxyContract } from './protocol-contract.js';

export interface ProxyClientOptions {
  /** Per call, from sending to the whole answer (default 10 s). */
  readonly timeoutMs?: number;
}

/**
 * The daemon's side of the proxy control socket (also used by a proxy to ask another one); answers
 * are checked against protocol.ts's schemas in their generated form (protocol-contract.ts), so
 * that a proxy using it loads no zod.
 */
export class ProxyClient {
  readonly socketPath: string;
  readonly #timeoutMs: number;

  constructor(socketPath: string, options: ProxyClientOptions = {}) {
    this.socketPath = socketPath;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  async status(): Promise<ProxyStatus> {
    return this.#call('GET', '/v1/status', undefined, proxyContract.proxyStatus);
  }

  async getTable(): Promise<RoutingTable> {
    return this.#call('GET', '/v1/table', undefined, proxyContract.routingTable);
  }

  async putTable(table: RoutingTableInput): Promise<TableAck> {
    return this.#call('PUT', '/v1/table', table, proxyContract.tableAck);
  }

  /** Proxy restart: answers once a new proxy process serves and answers on this socket. */
  async handoff(): Promise<HandoffResult> {
    return this.#call('POST', '/v1/handoff', undefined, proxyContract.handoffResult);
  }

  async shutdown(): Promise<void> {
    await this.#call('POST', '/v1/shutdown', undefined, proxyContract.shutdownAck);
  }

  async #call<T>(method: string, path: string, body: unknown, schema: JsonSchema): Promise<T> {
    const { status, text } = await this.#send(method, path, body);
    let json: unknown;
    try {
      json = JSON.parse(text) as unknown;
    } catch (err) {
      throw badResponse(method, path, `not JSON (HTTP ${status})`, err);
    }
    if (status >= 400) {
      if (jsonProblems(proxyContract.errorBody, json).length > 0) throw badResponse(method, path, `HTTP ${status} without an error body`);
      throw SlipwayError.fromJSON((json as { error: SerializedError }).error);
    }
    const problems = jsonProblems(schema, json);
    if (problems.length > 0) throw badResponse(method, path, problems.map((p) => `${p.path}: ${p.message}`).join('; '));
    return withDefaults(schema, json) as T;
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
