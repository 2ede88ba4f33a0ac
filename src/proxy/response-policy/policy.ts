import { pipeline, Transform, type Writable } from 'node:stream';
import type { ServiceTable } from '../protocol.js';
import { noteOf } from './access-log.js';
import { createEncoder, type Encoding } from './compression.js';
import { compileHeaderPolicy, type HeaderPolicy } from './headers.js';

/** What a service's responses get on the way out, compiled when its table is swapped in. */
export interface ResponsePolicy {
  readonly headers: HeaderPolicy;
  readonly compress: boolean;
}

export function compileResponsePolicy(config: ServiceTable): ResponsePolicy {
  return { headers: compileHeaderPolicy(config.headers), compress: config.compress ?? false };
}

/**
 * Where the app's body goes: the client response itself, or an encoder piped into it. The
 * response's access-log note (when the access log is on) learns how many body bytes went out.
 */
export function bodySink(res: Writable, encoding: Encoding | undefined, contentLength: string | string[] | undefined): Writable {
  const note = noteOf(res);
  if (encoding) {
    const encoder = createEncoder(encoding);
    if (note) {
      let sent = 0;
      note.bytes = 0;
      encoder.on('data', (chunk: Buffer) => (note.bytes = sent += chunk.length));
    }
    pipeline(encoder, res, () => undefined); // errors destroy both sides; the forwarder sees them through undici
    return encoder;
  }
  if (!note) return res;
  const declared = typeof contentLength === 'string' ? Number(contentLength) : NaN;
  if (Number.isSafeInteger(declared)) {
    note.bytes = declared;
    return res;
  }
  let sent = 0;
  note.bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      note.bytes = sent += chunk.length;
      callback(null, chunk);
    },
  });
  pipeline(counter, res, () => undefined);
  return counter;
}
