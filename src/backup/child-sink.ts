import { Writable } from 'node:stream';

/**
 * The end of a read-back pipeline: writes into a process's stdin (pg_restore, tar). A process
 * may stop reading before the end (`pg_restore --list` reads only the table of contents):
 * the rest is then discarded instead of failing with EPIPE. Whether the process succeeded is
 * its exit status, which the flow awaits separately.
 */
export class ChildSink extends Writable {
  readonly #stdin: Writable;
  #open = true;
  #pending: ((err?: Error | null) => void) | undefined;

  constructor(stdin: Writable) {
    super({ highWaterMark: 1 << 20 });
    this.#stdin = stdin;
    stdin.on('error', () => this.#closed());
    stdin.on('close', () => this.#closed());
    stdin.on('drain', () => this.#release());
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (!this.#open) return callback();
    if (this.#stdin.write(chunk)) return callback();
    this.#pending = callback;
  }

  override _final(callback: (err?: Error | null) => void): void {
    if (!this.#open) return callback();
    // Finish only once stdin flushed everything to the process: destroying it earlier (as
    // autoDestroy would, right after 'finish') drops what a slow reader has not taken yet.
    let called = false;
    const done = (): void => {
      if (called) return;
      called = true;
      callback();
    };
    this.#stdin.once('finish', done);
    this.#stdin.once('close', done);
    this.#stdin.end();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (err) this.#stdin.destroy(); // a failed run: stop feeding the process
    callback(err);
  }

  #closed(): void {
    this.#open = false;
    this.#release();
  }

  #release(): void {
    const callback = this.#pending;
    this.#pending = undefined;
    callback?.();
  }
}

/** A sink that only counts on the meters before it. */
export function discardSink(): Writable {
  return new Writable({
    highWaterMark: 1 << 20,
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
}
