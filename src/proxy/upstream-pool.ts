/**
 * The one adapter over undici: a keep-alive connection pool to one upstream (host:port),
 * streaming request and response bodies. Nothing else in src/ imports undici.
 */
import type { Readable, Writable } from 'node:stream';
import type { IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import type { Dispatcher, Pool as UndiciPool } from 'undici';

/**
 * undici's Pool class and its `stream` API alone: the package's index also loads fetch,
 * WebSocket, EventSource, the cache and the mock agents, ~5 MB of the proxy's RSS that it never
 * uses (BENCHMARKS.md, Memory). undici publishes no `exports` map, so its files are public
 * paths; the types are the index's. The index is also what puts `stream` on every dispatcher's
 * prototype: here it is called on the pool instead, and no prototype is touched.
 */
const require = createRequire(import.meta.url);
const Pool = require('undici/lib/dispatcher/pool.js') as typeof UndiciPool;
const streamOn = require('undici/lib/api/api-stream.js') as (
  this: UndiciPool,
  options: Dispatcher.RequestOptions<null>,
  factory: Dispatcher.StreamFactory<null>,
  callback: (err: Error | null, data: Dispatcher.StreamData<null>) => void,
) => void;

export interface UpstreamPoolOptions {
  /** Time allowed for the response head, and between two body chunks (ms). */
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
}

export interface UpstreamRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string | string[]>;
  readonly body: Readable | undefined;
  readonly signal: ExchangeAbort;
  /** Overrides the pool's timeoutMs for this request (the table's upstream timeout). */
  readonly timeoutMs?: number | undefined;
}

/**
 * A one-shot abort switch for one client exchange. undici accepts an emitter-shaped signal;
 * this costs far less per request than an AbortController (measured: ~4% of proxy CPU).
 */
export class ExchangeAbort {
  aborted = false;
  #listeners: Array<() => void> = [];

  on(_event: 'abort', listener: () => void): this {
    this.#listeners.push(listener);
    return this;
  }

  once(event: 'abort', listener: () => void): this {
    return this.on(event, listener);
  }

  removeListener(_event: 'abort', listener: () => void): this {
    this.#listeners = this.#listeners.filter((l) => l !== listener);
    return this;
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const l of listeners) l();
  }
}

/** Gets the response head; returns where the body goes (the client response). */
export type ResponseHeadHandler = (statusCode: number, headers: IncomingHttpHeaders) => Writable;

/** Called once: null when the body was fully relayed, else why the exchange failed. */
export type ExchangeDone = (err: Error | null) => void;

export class UpstreamPool {
  readonly #pool: UndiciPool;

  constructor(host: string, port: number, options: UpstreamPoolOptions) {
    const hostPart = host.includes(':') ? `[${host}]` : host;
    this.#pool = new Pool(`http://${hostPart}:${port}`, {
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connect: { timeout: options.connectTimeoutMs },
    });
  }

  stream(request: UpstreamRequest, onHead: ResponseHeadHandler, done: ExchangeDone): void {
    streamOn.call(
      this.#pool,
      {
        method: request.method,
        path: request.path,
        headers: request.headers,
        body: request.body ?? null,
        signal: request.signal,
        ...(request.timeoutMs === undefined ? {} : { headersTimeout: request.timeoutMs, bodyTimeout: request.timeoutMs }),
      },
      ({ statusCode, headers }) => onHead(statusCode, headers),
      (err) => done(err ?? null),
    );
  }

  /** Closes the connections once queued and running requests finished. */
  close(): Promise<void> {
    return this.#pool.closed ? Promise.resolve() : this.#pool.close();
  }

  /** Aborts running requests and closes every connection now. */
  destroy(): Promise<void> {
    return this.#pool.destroyed ? Promise.resolve() : this.#pool.destroy();
  }
}

/** Why an upstream exchange failed, in the terms the proxy acts on. */
export type UpstreamFailure =
  /** No connection could be made (refused, or connect timed out): nothing reached the app. */
  | 'connect'
  /** The connection was reset or closed before or while the response came. */
  | 'reset'
  /** No response head, or a body stall, within the upstream timeout. */
  | 'timeout'
  /** The client went away, or the proxy aborted the exchange. */
  | 'aborted'
  | 'other';

export function classifyUpstreamError(err: Error): UpstreamFailure {
  const code = (err as { code?: unknown }).code;
  switch (code) {
    case 'ECONNREFUSED':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return 'connect';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_DESTROYED':
      return 'reset';
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'timeout';
    case 'UND_ERR_ABORTED':
    case 'ABORT_ERR':
    case 'ERR_STREAM_PREMATURE_CLOSE':
      return 'aborted';
    default:
      return err.name === 'AbortError' ? 'aborted' : 'other';
  }
}
