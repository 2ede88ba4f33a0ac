import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { chmod, unlink } from 'node:fs/promises';
import type { methods, MethodName, ProgressEvent, RequestOf, ResponseOf } from '../api/schemas.js';
import { contract, type MethodContract } from '../api/contract.js';
import { checkJson } from '../lib/json-check.js';
import { SlipwayError, toSlipwayError } from '../errors.js';

/** The methods whose answer is a stream of events (deploy, rollback, events…). */
type StreamMethod = { [M in MethodName]: (typeof methods)[M]['stream'] extends true ? M : never }[MethodName];

export type PlainHandlers = {
  [M in MethodName as M extends StreamMethod ? never : M]: (req: RequestOf<M>) => Promise<ResponseOf<M>>;
};
export type StreamHandlers = {
  [M in MethodName as M extends StreamMethod ? M : never]: (
    req: RequestOf<M>,
    emit: (event: ProgressEvent) => void,
    /** Aborted when the client goes away (Ctrl-C on a foreground deploy, a closed `events` stream). */
    signal: AbortSignal,
  ) => Promise<void>;
};
export type Handlers = PlainHandlers & StreamHandlers;

const MAX_BODY = 1024 * 1024;

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new SlipwayError('SLW_API_BAD_REQUEST', 'The request body is larger than 1 MiB.');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text.length === 0 ? {} : (JSON.parse(text) as unknown);
  } catch (err) {
    throw new SlipwayError('SLW_API_BAD_REQUEST', 'The request body is not JSON.', { cause: err });
  }
}

function isMethod(name: string): name is MethodName {
  return Object.hasOwn(contract, name);
}

/** `value` checked against one side of a method's contract; a problem is the daemon's bug (a response) or the client's (a request). */
function checked(spec: MethodContract, side: 'request' | 'response', name: string, value: unknown): unknown {
  const problem = checkJson(spec[side], value);
  if (problem === undefined) return value;
  if (side === 'request') throw new SlipwayError('SLW_API_BAD_REQUEST', `Invalid ${name} request: ${problem}`);
  throw new SlipwayError('SLW_INTERNAL', `The daemon's ${name} answer does not match the control API (${problem}). This is a bug in slipway.`);
}

/**
 * The control API over a unix socket (mode 0600): every request is validated against the
 * method's schema, every response too before it leaves (invariant 8). The schemas are the JSON
 * Schema generated from src/api/schemas.ts (src/api/contract.ts, kept in step by a test), so the
 * daemon checks its API without loading zod.
 */
export class ControlServer {
  readonly #server: Server;
  readonly #handlers: Handlers;
  /** Applied to every response body (secret redaction); the identity by default. */
  readonly #redact: (json: string) => string;

  constructor(handlers: Handlers, options: { redact?: (json: string) => string } = {}) {
    this.#handlers = handlers;
    this.#redact = options.redact ?? ((json) => json);
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  async listen(socketPath: string): Promise<void> {
    await unlink(socketPath).catch(() => undefined);
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(socketPath, () => resolve());
    });
    await chmod(socketPath, 0o600);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeIdleConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const name = (req.url ?? '').replace(/^\/v1\//, '');
    try {
      if (req.method !== 'POST' || !isMethod(name)) {
        throw new SlipwayError('SLW_API_BAD_REQUEST', `Unknown control API call ${req.method ?? '?'} ${req.url ?? ''}.`);
      }
      const spec = contract[name];
      const request = checked(spec, 'request', name, await readJson(req));
      if (spec.stream) await this.#stream(name as keyof StreamHandlers, request, res);
      else await this.#plain(name as keyof PlainHandlers, request, res);
    } catch (err) {
      if (res.headersSent) return void res.end();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(this.#redact(JSON.stringify({ ok: false, error: toSlipwayError(err).toJSON() })));
    }
  }

  async #plain(name: keyof PlainHandlers, request: unknown, res: ServerResponse): Promise<void> {
    const handler = this.#handlers[name] as (req: unknown) => Promise<unknown>;
    const result = checked(contract[name], 'response', name, await handler(request));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(this.#redact(JSON.stringify({ ok: true, result })));
  }

  async #stream(name: keyof StreamHandlers, request: unknown, res: ServerResponse): Promise<void> {
    const handler = this.#handlers[name] as (req: unknown, emit: (e: ProgressEvent) => void, signal: AbortSignal) => Promise<void>;
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) gone.abort(new SlipwayError('SLW_CLIENT_GONE', `The client of the ${name} stream went away.`));
    });
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const emit = (event: ProgressEvent): void => {
      const valid = checked(contract[name], 'response', name, event);
      if (!res.destroyed) res.write(`${this.#redact(JSON.stringify(valid))}\n`);
    };
    try {
      await handler(request, emit, gone.signal);
    } catch (err) {
      emit({ type: 'error', error: toSlipwayError(err).toJSON(), results: [] });
    }
    res.end();
  }
}
