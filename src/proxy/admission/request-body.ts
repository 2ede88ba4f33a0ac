import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';

/** Bodies of unknown length up to this size are read whole before anything is sent upstream. */
export const CHUNKED_PREREAD_BYTES = 64 * 1024;

/**
 * Whether a request carries a body: by Content-Length, by chunked Transfer-Encoding, or, over
 * HTTP/2 (whose DATA frames carry the length, so Content-Length is optional), by a HEADERS
 * frame that did not end the stream.
 */
export function requestHasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return length !== '0';
  if (req.httpVersionMajor === 2) return !endedWithHeaders(req);
  return req.headers['transfer-encoding'] !== undefined;
}

/** A body whose size is known only once read: chunked HTTP/1.1, or HTTP/2 without Content-Length. */
export function bodyOfUnknownLength(req: IncomingMessage): boolean {
  if (req.headers.upgrade !== undefined) return false;
  if (req.httpVersionMajor === 2) return req.headers['content-length'] === undefined && !endedWithHeaders(req);
  return req.httpVersionMajor === 1 && req.headers['transfer-encoding'] !== undefined;
}

/** HTTP/2 requests reach the handlers as node's compat request, typed as IncomingMessage; its stream says whether HEADERS ended it. */
function endedWithHeaders(req: IncomingMessage): boolean {
  const stream = (req as { stream?: { endAfterHeaders?: boolean } }).stream;
  return stream?.endAfterHeaders === true;
}

/** Thrown into the upstream body stream when the client sent more than the limit. */
export class BodyTooLarge extends Error {
  constructor(limit: number) {
    super(`request body over ${limit} bytes`);
    this.name = 'BodyTooLarge';
  }
}

/**
 * The stream a request body reaches the upstream through: counts bytes and fails with
 * BodyTooLarge past `limit`, which aborts the upstream request.
 */
export class LimitedBody extends Transform {
  readonly limit: number;
  /** The Content-Length the client declared: a body of any other length fails (never a shorter or longer request upstream). */
  readonly declared: number | undefined;
  received = 0;
  exceeded = false;

  constructor(limit: number, declared?: number) {
    super();
    this.limit = limit;
    this.declared = declared;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.received += chunk.length;
    if (this.received > this.limit) {
      this.exceeded = true;
      done(new BodyTooLarge(this.limit));
      return;
    }
    if (this.declared !== undefined && this.received > this.declared) {
      done(new BodyLengthMismatch(this.declared));
      return;
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    done(this.declared !== undefined && this.received !== this.declared ? new BodyLengthMismatch(this.declared) : null);
  }
}

/** Thrown into the upstream body stream when the body's length is not its Content-Length (an HTTP/2 client may send more, or reset early). */
export class BodyLengthMismatch extends Error {
  constructor(declared: number) {
    super(`request body length differs from its content-length (${declared})`);
    this.name = 'BodyLengthMismatch';
  }
}

/** The start of a body of unknown length read ahead: `complete` when the whole body is in `chunks`. */
export interface Preread {
  readonly chunks: Buffer[];
  readonly bytes: number;
  readonly complete: boolean;
}

/**
 * Reads a chunked body ahead, up to `max` bytes, so a body whose chunking turns out to be
 * malformed is refused (node answers 400) before anything reaches the app. Resolves undefined
 * when the client or the parser ended the request first. The request is left paused.
 */
export function prereadBody(req: IncomingMessage, max: number): Promise<Preread | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const finish = (result: Preread | undefined): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      req.off('error', onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      bytes += chunk.length;
      if (bytes >= max) {
        req.pause();
        finish({ chunks, bytes, complete: false });
      }
    };
    const onEnd = (): void => finish({ chunks, bytes, complete: true });
    const onClose = (): void => finish(undefined);
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('close', onClose);
    req.once('error', onClose);
  });
}
