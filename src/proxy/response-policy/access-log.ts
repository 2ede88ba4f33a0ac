import { open, rename, stat, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { clientAddress } from '../forward-headers.js';

/** What the code that answers a request tells the access log about it. */
export interface AccessNote {
  requestId: string;
  service: string | undefined;
  release: string | undefined;
  /** Body bytes sent (after compression); undefined when not known. */
  bytes: number | undefined;
  /** A websocket upgrade's answer (101, the app's own status, or the proxy's refusal); responses carry theirs. */
  status?: number;
}

/** Where a response carries its note (a symbol: no clash with node's fields; cheaper for the GC than a WeakMap). */
const NOTE = Symbol('slipway.accessNote');

/** The note of a response being logged; undefined when the access log is off. */
export function noteOf(res: object): AccessNote | undefined {
  return (res as { [NOTE]?: AccessNote })[NOTE];
}

export interface AccessLogOptions {
  /** Rotate once the file reaches this size (default 10 MiB). */
  readonly maxBytes?: number;
  /** Rotated files kept: access.log.1 (newest) … access.log.N (default 5). */
  readonly keep?: number;
  /** Lines wait at most this long in memory before being written (default 200 ms). */
  readonly flushMs?: number;
  /** A write or rotation failed; lines are dropped until writing works again. */
  readonly onError?: (error: Error) => void;
  /** The client address of a request (through trusted proxies); default: the peer address. */
  readonly clientOf?: (req: IncomingMessage) => string;
}

/** Lines held while a write is under way; beyond this (a stuck disk) new lines are dropped. */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;
/** A batch this large is written at once instead of waiting for the timer. */
const EAGER_BYTES = 64 * 1024;

/**
 * The proxy's access log: one JSON line per request, buffered in memory and appended in
 * batches off the request path, rotated by size (access.log → access.log.1 → …, oldest
 * dropped). The proxy owns the file, so rotation renames it and opens a fresh one: no line
 * is lost or split across files.
 *
 * Paths are logged without their query string: queries often carry tokens, and the access
 * log is kept for weeks.
 */
export class AccessLog {
  readonly path: string;
  readonly #maxBytes: number;
  readonly #keep: number;
  readonly #flushMs: number;
  readonly #onError: (error: Error) => void;
  readonly #clientOf: (req: IncomingMessage) => string;
  #pending: string[] = [];
  #pendingBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #file: FileHandle | undefined;
  #size = -1;
  #dropped = 0;
  #closed = false;

  constructor(path: string, options: AccessLogOptions = {}) {
    this.path = path;
    this.#maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
    this.#keep = options.keep ?? 5;
    this.#flushMs = options.flushMs ?? 200;
    this.#onError = options.onError ?? (() => undefined);
    this.#clientOf = options.clientOf ?? clientAddress;
  }

  /** Lines dropped because the disk could not keep up or a write failed. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Starts logging one exchange: the returned note is filled in while it is answered; the line is written when it closes. */
  observe(req: IncomingMessage, res: ServerResponse, proto: 'http' | 'https'): AccessNote {
    const started = performance.now();
    const note: AccessNote = { requestId: '', service: undefined, release: undefined, bytes: undefined };
    (res as { [NOTE]?: AccessNote })[NOTE] = note;
    res.once('close', () => this.write(lineOf(req, note, { proto, started, client: this.#clientOf(req), status: res.statusCode, aborted: !res.writableFinished })));
    return note;
  }

  /**
   * Starts logging a websocket upgrade: whoever answers it sets `status` on the note (found
   * with `noteOf(socket)`); the line is written when the client connection closes.
   */
  observeUpgrade(req: IncomingMessage, socket: Duplex, proto: 'http' | 'https'): AccessNote {
    const started = performance.now();
    const note: AccessNote = { requestId: '', service: undefined, release: undefined, bytes: undefined };
    (socket as { [NOTE]?: AccessNote })[NOTE] = note;
    socket.once('close', () => this.write(lineOf(req, note, { proto, started, client: this.#clientOf(req), status: note.status ?? 0, aborted: note.status === undefined })));
    return note;
  }

  write(line: string): void {
    if (this.#closed) return;
    if (this.#pendingBytes > MAX_PENDING_BYTES) {
      this.#dropped++;
      return;
    }
    this.#pending.push(line);
    this.#pendingBytes += line.length + 1;
    if (this.#pendingBytes >= EAGER_BYTES) this.#kick();
    else this.#timer ??= setTimeout(() => this.#kick(), this.#flushMs).unref();
  }

  /** Writes everything pending; resolves when it is in the file. */
  async flush(): Promise<void> {
    while (this.#writing || this.#pending.length > 0) {
      this.#kick();
      await this.#writing;
    }
  }

  /** Flushes and closes the file; later lines are ignored. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#file?.close().catch(() => undefined);
    this.#file = undefined;
  }

  #kick(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#writing || this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#writing = this.#append(`${batch.join('\n')}\n`, batch.length).finally(() => {
      this.#writing = undefined;
      if (this.#pending.length > 0) this.#timer ??= setTimeout(() => this.#kick(), 0).unref();
    });
  }

  async #append(data: string, lines: number): Promise<void> {
    try {
      const file = await this.#open();
      await file.write(data);
      this.#size += Buffer.byteLength(data);
      if (this.#size >= this.#maxBytes) await this.#rotate();
    } catch (err) {
      this.#dropped += lines;
      await this.#file?.close().catch(() => undefined);
      this.#file = undefined;
      this.#onError(err instanceof Error ? err : new Error(String(err)));
    }
  }

  async #open(): Promise<FileHandle> {
    if (this.#file) return this.#file;
    const file = await open(this.path, 'a', 0o640);
    this.#size = (await stat(this.path)).size;
    this.#file = file;
    return file;
  }

  async #rotate(): Promise<void> {
    await this.#file?.close();
    this.#file = undefined;
    for (let i = this.#keep - 1; i >= 1; i--) await renameIfPresent(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    if (this.#keep > 0) await rename(this.path, `${this.path}.1`);
    else await open(this.path, 'w').then((f) => f.close());
    await this.#open(); // the live file exists at once, for readers that follow it
  }
}

async function renameIfPresent(from: string, to: string): Promise<void> {
  await rename(from, to).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

/** One access-log record, keys in a fixed order. */
interface Outcome {
  readonly proto: string;
  readonly started: number;
  readonly client: string;
  readonly status: number;
  readonly aborted: boolean;
}

function lineOf(req: IncomingMessage, note: AccessNote, { proto, started, client, status, aborted }: Outcome): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const record: Record<string, unknown> = {
    time: isoNow(),
    requestId: note.requestId,
    service: note.service ?? null,
    release: note.release ?? null,
    host: req.headers.host ?? null,
    method: req.method ?? null,
    path: q === -1 ? url : url.slice(0, q),
    proto,
    status,
    durationMs: Math.round((performance.now() - started) * 10) / 10,
    bytes: note.bytes ?? null,
    client,
  };
  if (aborted) record['aborted'] = true;
  return JSON.stringify(record);
}

let isoMs = 0;
let isoText = '';

/** The current time as ISO 8601, formatted once per millisecond (many lines share one). */
function isoNow(): string {
  const now = Date.now();
  if (now !== isoMs) {
    isoMs = now;
    isoText = new Date(now).toISOString();
  }
  return isoText;
}
