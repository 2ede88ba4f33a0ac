import { mkdir, open, readdir, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { SlipwayError } from '../errors.js';
import { writeFileAtomic, fsyncDir } from '../lib/atomic-write.js';
import type { BackupTarget, ObjectStat } from './target.js';

/**
 * Backups in a local directory: each object is written to a hidden temp file in its final
 * directory, fsynced, then renamed into place (and the directory fsynced). Hidden files are
 * never listed, so a crash or a full disk leaves nothing that looks like a backup.
 */
export class LocalTarget implements BackupTarget {
  readonly root: string;
  readonly description: string;

  constructor(root: string) {
    this.root = root;
    this.description = `dir ${root}`;
  }

  #path(key: string): string {
    const clean = normalize(key);
    if (isAbsolute(clean) || clean.startsWith('..') || clean.split(sep).some((part) => part.startsWith('.'))) {
      throw new Error(`invalid backup key ${JSON.stringify(key)}`);
    }
    return join(this.root, clean);
  }

  async put(key: string, body: Readable, signal: AbortSignal): Promise<{ bytes: number }> {
    const target = this.#path(key);
    const tmp = join(dirname(target), `.${key.split('/').pop()}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      await mkdir(dirname(target), { recursive: true });
      const bytes = await writeBody(tmp, body, signal, (err) => writeFailed(this.description, key, err));
      await rename(tmp, target);
      await fsyncDir(dirname(target));
      return { bytes };
    } catch (err) {
      body.destroy();
      await unlink(tmp).catch(() => undefined);
      throw writeFailed(this.description, key, err);
    }
  }

  async putSmall(key: string, data: Uint8Array): Promise<void> {
    try {
      await writeFileAtomic(this.#path(key), data, 0o600);
    } catch (err) {
      throw writeFailed(this.description, key, err);
    }
  }

  async get(key: string): Promise<Readable> {
    const path = this.#path(key);
    const handle = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new SlipwayError('SLW_BACKUP_NOT_FOUND', `The object ${key} is not in ${this.description}.`);
      throw err;
    });
    return handle.createReadStream({ highWaterMark: 1 << 20 }); // closes the handle when done or destroyed
  }

  async getSmall(key: string): Promise<Buffer | undefined> {
    return readFile(this.#path(key)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
  }

  async stat(key: string): Promise<ObjectStat | undefined> {
    const info = await stat(this.#path(key)).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    return { size: info.size, version: `${info.mtimeMs}:${info.ino}` };
  }

  async list(): Promise<string[]> {
    const names = await readdir(this.root, { recursive: true, withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    return names
      .filter((entry) => entry.isFile())
      .map((entry) => relative(this.root, join(entry.parentPath ?? entry.path, entry.name)).split(sep).join('/'))
      .filter((key) => !key.split('/').some((part) => part.startsWith('.')));
  }

  async delete(key: string): Promise<void> {
    await unlink(this.#path(key)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
}

/**
 * Copies the body into a new file and fsyncs it. A write error (ENOSPC) is turned into the
 * target's error and given to the body first, so every stage upstream fails with that cause,
 * not with a premature close.
 */
async function writeBody(path: string, body: Readable, signal: AbortSignal, wrap: (err: unknown) => unknown): Promise<number> {
  const handle = await open(path, 'wx', 0o600);
  let bytes = 0;
  let failure: unknown;
  try {
    for await (const chunk of body) {
      try {
        signal.throwIfAborted();
        bytes += await writeAll(handle, chunk as Buffer);
      } catch (err) {
        failure = wrap(err);
        body.destroy(failure instanceof Error ? failure : undefined);
        break;
      }
    }
    if (failure === undefined) await handle.sync();
  } finally {
    await handle.close();
  }
  if (failure !== undefined) throw failure;
  return bytes;
}

async function writeAll(handle: FileHandle, chunk: Buffer): Promise<number> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
  return chunk.length;
}

function writeFailed(where: string, key: string, err: unknown): unknown {
  // Only the file system's own errors are the target's fault; a failure upstream (the source,
  // compression, an abort) reaches here as the body's error and keeps its identity.
  if (!(err instanceof Error) || (err as NodeJS.ErrnoException).syscall === undefined) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'ENOSPC' ? 'the disk is full (ENOSPC)' : code === 'EDQUOT' ? 'the disk quota is exhausted (EDQUOT)' : String((err as Error).message);
  // Out of space is the disk's state, not the target's fault: the code every full disk has.
  const full = code === 'ENOSPC' || code === 'EDQUOT';
  return new SlipwayError(full ? 'SLW_DISK_FULL' : 'SLW_BACKUP_TARGET_WRITE_FAILED', `Writing ${key} to ${where} failed: ${why}; the partial file was removed.`, {
    cause: err,
    details: { errno: code },
  });
}

