import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export interface MeterOptions {
  /** Bytes of the start of the stream to keep, for format checks. */
  readonly headBytes?: number;
  /** Called every `progressEvery` bytes with the running total. */
  readonly onProgress?: (bytes: number) => void;
  readonly progressEvery?: number;
  /** Checked when the stream ends; a returned error fails the stream before its end reaches the target. */
  readonly atEnd?: (meter: Meter) => Error | undefined;
}

/** A pass-through that counts bytes, hashes them with SHA-256 and keeps the first few. */
export class Meter extends Transform {
  bytes = 0;
  #hash: Hash = createHash('sha256');
  #digest: string | undefined;
  #head: Buffer[] = [];
  #headLength = 0;
  #nextProgress: number;
  readonly #options: MeterOptions;

  constructor(options: MeterOptions = {}) {
    super();
    this.#options = options;
    this.#nextProgress = options.progressEvery ?? Infinity;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.#hash.update(chunk);
    const wanted = (this.#options.headBytes ?? 0) - this.#headLength;
    if (wanted > 0) {
      const part = chunk.subarray(0, wanted);
      this.#head.push(Buffer.from(part));
      this.#headLength += part.length;
    }
    if (this.bytes >= this.#nextProgress) {
      this.#nextProgress = this.bytes + (this.#options.progressEvery ?? Infinity);
      this.#options.onProgress?.(this.bytes);
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#digest = this.#hash.digest('hex');
    callback(this.#options.atEnd?.(this) ?? null);
  }

  /** The first `headBytes` bytes (fewer if the stream was shorter). */
  get head(): Buffer {
    return Buffer.concat(this.#head);
  }

  /** Hex SHA-256 of everything that passed; only once the stream ended. */
  get sha256(): string {
    if (this.#digest === undefined) throw new Error('the meter has not seen the end of its stream');
    return this.#digest;
  }
}
