import type { Readable } from 'node:stream';

/** What a target knows about a stored object without reading it. */
export interface ObjectStat {
  readonly size: number;
  /** Changes whenever the object is rewritten (mtime for a directory, ETag for S3). */
  readonly version: string;
}

/**
 * Where backups are kept: a flat store of keys ("db/<id>.pgdump.zst.age"), like S3.
 * Writes are atomic: a key holds either nothing or a complete object, never a partial one.
 * Implementations: local-target (a directory), s3-target (S3-compatible object storage).
 */
export interface BackupTarget {
  /** For messages and manifests, e.g. "dir /var/backups/slipway". */
  readonly description: string;
  /** Streams `body` into `key`; the key appears only once the whole body is durably stored. */
  put(key: string, body: Readable, signal: AbortSignal): Promise<{ bytes: number }>;
  /** A small object (manifest, verification record), atomically. */
  putSmall(key: string, data: Uint8Array): Promise<void>;
  /** Rejects with SLW_BACKUP_NOT_FOUND when the key does not exist. */
  get(key: string): Promise<Readable>;
  getSmall(key: string): Promise<Buffer | undefined>;
  stat(key: string): Promise<ObjectStat | undefined>;
  /** Every stored key (never a partial upload), in no particular order. */
  list(): Promise<string[]>;
  /** Removes a key; no error when it is already gone. */
  delete(key: string): Promise<void>;
  /** Cleans up partial uploads started before `before` (S3 multipart); the count, or undefined when unknown. */
  sweep?(before: Date): Promise<number | undefined>;
}
