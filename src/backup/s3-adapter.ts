/**
 * The one file that imports the AWS SDK (`@aws-sdk/client-s3`, `@aws-sdk/lib-storage`): a
 * small S3 client with only the calls backups need. Checksum modes are WHEN_REQUIRED, so the
 * SDK sends plain bodies (no aws-chunked framing, which some S3-compatible servers store
 * verbatim); integrity comes from the SHA-256 slipway keeps in each manifest and checks on read.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

export interface S3Connection {
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly forcePathStyle: boolean;
}

export interface S3Tuning {
  /** Bodies up to this size go in one PUT; larger ones in parts of this size (min 5 MiB). */
  readonly partSize?: number;
  /** Parts in flight at once; memory held is about partSize × queueSize. */
  readonly queueSize?: number;
  readonly maxAttempts?: number;
}

/** A failed S3 request: the service's error code (NoSuchBucket, AccessDenied…) or the network's. */
export class S3RequestError extends Error {
  readonly code: string;
  readonly status: number | undefined;

  constructor(code: string, status: number | undefined, message: string) {
    super(message);
    this.name = 'S3RequestError';
    this.code = code;
    this.status = status;
  }
}

export interface S3Head {
  readonly size: number;
  readonly etag: string;
}

export interface S3Upload {
  readonly key: string;
  readonly uploadId: string;
  readonly initiated: Date | undefined;
}

export const MIN_PART_SIZE = 5 * 1024 * 1024;

// slipway supports Node 20; the SDK's notice that its future releases will not is not for users.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

export class S3Store {
  readonly bucket: string;
  readonly #client: S3Client;
  readonly #partSize: number;
  readonly #queueSize: number;

  constructor(c: S3Connection, tuning: S3Tuning = {}) {
    this.bucket = c.bucket;
    this.#partSize = Math.max(MIN_PART_SIZE, tuning.partSize ?? 16 * 1024 * 1024);
    this.#queueSize = Math.max(1, tuning.queueSize ?? 2);
    this.#client = new S3Client({
      endpoint: c.endpoint,
      region: c.region,
      forcePathStyle: c.forcePathStyle,
      credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: tuning.maxAttempts ?? 3,
    });
  }

  /**
   * Streams a body of unknown length: one PUT when it fits in a part, else a multipart upload
   * that the SDK aborts when the body or a part fails. The key appears only on success.
   */
  async putStream(key: string, body: Readable): Promise<void> {
    const upload = new Upload({
      client: this.#client,
      params: { Bucket: this.bucket, Key: key, Body: body },
      partSize: this.#partSize,
      queueSize: this.#queueSize,
      leavePartsOnError: false,
    });
    await upload.done().catch((err: unknown) => {
      throw requestError(err);
    });
  }

  /** A small object in one PUT, with Content-MD5 so the server rejects a damaged body. */
  async putBytes(key: string, data: Uint8Array): Promise<void> {
    const md5 = createHash('md5').update(data).digest('base64');
    await this.#call((c) => c.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: data, ContentLength: data.byteLength, ContentMD5: md5 })));
  }

  /** The body as a stream; undefined when the key does not exist. */
  async getStream(key: string): Promise<Readable | undefined> {
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body as Readable;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw requestError(err);
    }
  }

  async getBytes(key: string): Promise<Buffer | undefined> {
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body ? Buffer.from(await out.Body.transformToByteArray()) : Buffer.alloc(0);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw requestError(err);
    }
  }

  async head(key: string): Promise<S3Head | undefined> {
    try {
      const out = await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: out.ContentLength ?? 0, etag: out.ETag ?? '' };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw requestError(err);
    }
  }

  /** Every key under the prefix (completed objects only: S3 never lists an unfinished upload). */
  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.#call((c) => c.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) })));
      for (const o of out.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async delete(key: string): Promise<void> {
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      if (!isMissing(err)) throw requestError(err);
    }
  }

  /** Multipart uploads never completed (a crash mid-upload); undefined when the server cannot list them. */
  async unfinishedUploads(prefix: string): Promise<S3Upload[] | undefined> {
    try {
      const out = await this.#client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: prefix }));
      return (out.Uploads ?? []).flatMap((u) => (u.Key && u.UploadId ? [{ key: u.Key, uploadId: u.UploadId, initiated: u.Initiated }] : []));
    } catch (err) {
      const e = requestError(err);
      if (e.code === 'NotImplemented' || e.status === 501 || e.status === 405) return undefined;
      throw e;
    }
  }

  async abortUpload(upload: S3Upload): Promise<void> {
    await this.#call((c) => c.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.key, UploadId: upload.uploadId })));
  }

  destroy(): void {
    this.#client.destroy();
  }

  async #call<T>(request: (client: S3Client) => Promise<T>): Promise<T> {
    try {
      return await request(this.#client);
    } catch (err) {
      throw requestError(err);
    }
  }
}

function isMissing(err: unknown): boolean {
  if (!(err instanceof S3ServiceException)) return false;
  return err.name === 'NoSuchKey' || err.name === 'NotFound' || (err.$metadata.httpStatusCode === 404 && err.name !== 'NoSuchBucket');
}

/** Keeps the code, status and message only: SDK errors carry request details that stay here. */
function requestError(err: unknown): S3RequestError {
  if (err instanceof S3RequestError) return err;
  if (err instanceof S3ServiceException) return new S3RequestError(err.name, err.$metadata.httpStatusCode, err.message || err.name);
  const e = err as NodeJS.ErrnoException;
  return new S3RequestError(e?.code ?? e?.name ?? 'Error', undefined, e?.message ?? String(err));
}
