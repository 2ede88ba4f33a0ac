import { request } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { methods, MethodName, ProgressEvent, RequestOf, ResponseOf } from './schemas.js';
import { contract } from './contract.js';
import { checkJson } from '../lib/json-check.js';
import { SlipwayError, type SerializedError } from '../errors.js';

type PlainMethod = { [M in MethodName]: (typeof methods)[M]['stream'] extends false ? M : never }[MethodName];
type StreamMethod = { [M in MethodName]: (typeof methods)[M]['stream'] extends true ? M : never }[MethodName];

/** A request that breaks the contract is the caller's bug: it never leaves. */
function checkedRequest(method: MethodName, params: unknown): unknown {
  const problem = checkJson(contract[method].request, params);
  if (problem) throw new SlipwayError('SLW_INTERNAL', `The ${method} request does not match the API schema: ${problem}`);
  return params;
}

/**
 * Another way to the daemon's socket than a local path (the CLI's SSH bridge): a fresh
 * byte stream per call, and what a failed call really meant (ssh's own failures are coded).
 */
export interface ApiTransport {
  readonly describe: string;
  connect(): Duplex;
  explain(err: Error): Promise<Error>;
}

/**
 * The CLI's (and tests') only way to the daemon: requests are validated before they leave,
 * responses when they arrive, with the same schemas the daemon uses: src/api/contract.ts is
 * their JSON Schema, generated from src/api/schemas.ts, checked without loading zod.
 */
export class ApiClient {
  readonly #socketPath: string;
  readonly #transport: ApiTransport | undefined;

  /** A daemon's unix socket, or a transport to one (over SSH). */
  constructor(to: string | ApiTransport) {
    this.#socketPath = typeof to === 'string' ? to : to.describe;
    this.#transport = typeof to === 'string' ? undefined : to;
  }

  async call<M extends PlainMethod>(method: M, params: RequestOf<M>): Promise<ResponseOf<M>> {
    const body = checkedRequest(method, params);
    const text = await this.#post(method, body, () => undefined);
    const envelope = JSON.parse(text) as { ok: true; result: unknown } | { ok: false; error: SerializedError };
    if (!envelope.ok) throw SlipwayError.fromJSON(envelope.error);
    const problem = checkJson(contract[method].response, envelope.result);
    if (problem) throw new SlipwayError('SLW_API_BAD_RESPONSE', `The daemon's ${method} answer does not match the schema: ${problem}`);
    // Checked just above against the generated contract, which is the JSON Schema of ResponseOf<M>.
    return envelope.result as ResponseOf<M>;
  }

  /** Streams progress events to `onEvent`; resolves with the final result or error event. */
  async stream<M extends StreamMethod>(method: M, params: RequestOf<M>, onEvent: (event: ProgressEvent) => void): Promise<ProgressEvent> {
    const body = checkedRequest(method, params);
    let last: ProgressEvent | undefined;
    let buffer = '';
    const onChunk = (chunk: string): void => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (!line.trim()) continue;
        const event: unknown = JSON.parse(line);
        const problem = checkJson(contract[method].response, event);
        if (problem) throw new SlipwayError('SLW_API_BAD_RESPONSE', `A ${method} progress line does not match the schema: ${problem}`);
        // Checked just above against the contract's JSON Schema of ProgressEvent.
        last = event as ProgressEvent;
        onEvent(last);
      }
    };
    const text = await this.#post(method, body, onChunk);
    if (!last && text.startsWith('{"ok":false')) {
      throw SlipwayError.fromJSON((JSON.parse(text) as { error: SerializedError }).error);
    }
    if (!last) throw new SlipwayError('SLW_API_BAD_RESPONSE', `The daemon closed the ${method} stream without a result.`);
    return last;
  }

  /** True when a daemon answers on the socket. */
  async ping(): Promise<boolean> {
    try {
      await this.call('status', {});
      return true;
    } catch (err) {
      if (err instanceof SlipwayError && err.code === 'SLW_DAEMON_UNREACHABLE') return false;
      throw err;
    }
  }

  #post(method: string, body: unknown, onChunk: (chunk: string) => void): Promise<string> {
    return new Promise((resolve, reject) => {
      const transport = this.#transport;
      // A connection of its own, not through an http.Agent: one call per connection either way,
      // and the Agent's first request compiles Node's IPv6 pattern (~10 ms of every command's start).
      const socketPath = this.#socketPath;
      const where = {
        createConnection: transport ? () => transport.connect() : () => connect(socketPath),
        headers: { 'content-type': 'application/json', connection: 'close' },
      };
      const req = request(
        { ...where, path: `/v1/${method}`, method: 'POST' },
        (res) => {
          res.setEncoding('utf8');
          let all = '';
          const streaming = res.headers['content-type'] === 'application/x-ndjson';
          res.on('data', (chunk: string) => {
            if (streaming) {
              try {
                onChunk(chunk);
              } catch (err) {
                req.destroy();
                reject(err);
              }
            } else all += chunk;
          });
          res.on('end', () => resolve(all));
          res.on('error', reject);
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (transport) {
          void transport.explain(err).then(reject, reject);
          return;
        }
        if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
          reject(new SlipwayError('SLW_DAEMON_UNREACHABLE', `No slipway daemon answers on ${this.#socketPath}.`, { cause: err }));
        } else reject(err);
      });
      req.end(JSON.stringify(body));
    });
  }
}
