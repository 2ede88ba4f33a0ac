import { Transform, type Readable } from 'node:stream';
import { SlipwayError } from '../errors.js';
import { S3RequestError, S3Store, type S3Connection, type S3Tuning } from './s3-adapter.js';
import type { BackupTarget, ObjectStat } from './target.js';

export interface S3TargetOptions extends S3Connection, S3Tuning {
  /** "" or ending in "/": prepended to every key. */
  readonly prefix: string;
}

/**
 * Backups in an S3-compatible bucket. A PUT (or a completed multipart upload) is atomic: a key
 * holds nothing or a whole object, and S3 never lists an unfinished upload, so the commit
 * protocol of the local directory holds unchanged (data object first, manifest last). A failed
 * multipart upload is aborted by the SDK; uploads left by a crash are aborted by `sweep`.
 * Hashes are not trusted to the server: every read is checked against the manifest's SHA-256.
 */
export class S3Target implements BackupTarget {
  readonly description: string;
  readonly #store: S3Store;
  readonly #prefix: string;
  readonly #secrets: readonly string[];

  constructor(o: S3TargetOptions) {
    this.#store = new S3Store(o, o);
    this.#prefix = o.prefix;
    this.#secrets = [o.accessKeyId, o.secretAccessKey].filter((v) => v.length >= 4);
    this.description = `s3 ${publicEndpoint(o.endpoint)}/${o.bucket}/${o.prefix}`;
  }

  #key(key: string): string {
    if (key.startsWith('/') || key.split('/').some((part) => part === '' || part === '.' || part === '..')) {
      throw new Error(`invalid backup key ${JSON.stringify(key)}`);
    }
    return `${this.#prefix}${key}`;
  }

  async put(key: string, body: Readable, signal: AbortSignal): Promise<{ bytes: number }> {
    const full = this.#key(key);
    let bytes = 0;
    let bodyError: unknown;
    const counted = new Transform({
      highWaterMark: 1 << 20,
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    body.once('error', (err) => {
      bodyError = err;
      counted.destroy(err);
    });
    const onAbort = () => body.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    body.pipe(counted);
    try {
      signal.throwIfAborted();
      await this.#store.putStream(full, counted);
      return { bytes };
    } catch (err) {
      // A failure upstream (the source, compression, an abort) keeps its identity.
      if (bodyError !== undefined) throw bodyError;
      if (signal.aborted) throw signal.reason;
      // The target's own failure is given to the body first, so every stage upstream fails with it.
      const failure = this.#failed('SLW_BACKUP_TARGET_WRITE_FAILED', `Uploading ${key} to ${this.description} failed`, err, 'nothing partial was kept');
      body.destroy(failure instanceof Error ? failure : undefined);
      throw failure;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  async putSmall(key: string, data: Uint8Array): Promise<void> {
    await this.#store.putBytes(this.#key(key), data).catch((err: unknown) => {
      throw this.#failed('SLW_BACKUP_TARGET_WRITE_FAILED', `Uploading ${key} to ${this.description} failed`, err, 'nothing was changed');
    });
  }

  async get(key: string): Promise<Readable> {
    const body = await this.#store.getStream(this.#key(key)).catch((err: unknown) => {
      throw this.#failed('SLW_BACKUP_TARGET_READ_FAILED', `Reading ${key} from ${this.description} failed`, err);
    });
    if (!body) throw new SlipwayError('SLW_BACKUP_NOT_FOUND', `The object ${key} is not in ${this.description}.`);
    return body;
  }

  getSmall(key: string): Promise<Buffer | undefined> {
    return this.#store.getBytes(this.#key(key)).catch((err: unknown) => {
      throw this.#failed('SLW_BACKUP_TARGET_READ_FAILED', `Reading ${key} from ${this.description} failed`, err);
    });
  }

  async stat(key: string): Promise<ObjectStat | undefined> {
    const head = await this.#store.head(this.#key(key)).catch((err: unknown) => {
      throw this.#failed('SLW_BACKUP_TARGET_READ_FAILED', `Reading ${key} from ${this.description} failed`, err);
    });
    return head ? { size: head.size, version: head.etag } : undefined;
  }

  async list(): Promise<string[]> {
    const keys = await this.#store.list(this.#prefix).catch((err: unknown) => {
      throw this.#failed('SLW_BACKUP_TARGET_READ_FAILED', `Listing ${this.description} failed`, err);
    });
    return keys.map((k) => k.slice(this.#prefix.length)).filter((k) => k !== '' && !k.split('/').some((part) => part.startsWith('.')));
  }

  async delete(key: string): Promise<void> {
    await this.#store.delete(this.#key(key)).catch((err: unknown) => {
      throw this.#failed('SLW_BACKUP_TARGET_WRITE_FAILED', `Deleting ${key} from ${this.description} failed`, err);
    });
  }

  /**
   * Aborts multipart uploads under the prefix started before `before` (left by a crash; the
   * SDK aborts the ones that fail while slipway runs). Undefined when the server cannot list
   * them: a bucket lifecycle rule (AbortIncompleteMultipartUpload) is the fallback there.
   */
  async sweep(before: Date): Promise<number | undefined> {
    const uploads = await this.#store.unfinishedUploads(this.#prefix);
    if (!uploads) return undefined;
    const stale = uploads.filter((u) => u.initiated !== undefined && u.initiated < before);
    for (const u of stale) await this.#store.abortUpload(u);
    return stale.length;
  }

  close(): void {
    this.#store.destroy();
  }

  #failed(code: 'SLW_BACKUP_TARGET_WRITE_FAILED' | 'SLW_BACKUP_TARGET_READ_FAILED', what: string, err: unknown, after?: string): unknown {
    if (!(err instanceof S3RequestError)) return err;
    const status = err.status !== undefined ? ` (HTTP ${err.status})` : '';
    const message = `${what}: ${err.code}${status}: ${this.#redact(err.message)}${after ? `; ${after}` : ''}.`;
    return new SlipwayError(code, message, { details: { s3Code: err.code, ...(err.status !== undefined ? { status: err.status } : {}) } });
  }

  /** The server's words never carry the credentials further. */
  #redact(text: string): string {
    return this.#secrets.reduce((t, secret) => t.split(secret).join('[redacted]'), text);
  }
}

/** The endpoint without any user:password@ part. */
function publicEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return endpoint;
  }
}
