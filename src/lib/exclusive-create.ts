/**
 * Creates a file whole or not at all, and only when it does not exist: the text is written to a
 * temp file beside it (mode 0600), which is then link(2)ed to the name. link fails when the name
 * exists (the O_EXCL semantics), and no reader ever sees the file empty or half written. Lock
 * files (file-lock.ts, the backup source lock) and the secrets key are made this way.
 */
import { randomBytes } from 'node:crypto';
import { link, open, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir } from './atomic-write.js';

export interface ExclusiveCreateOptions {
  /** Part of the temp file's name (`<path>.<tag>.<random>.tmp`), to tell whose it is. */
  readonly tag: string;
  /** fsync the file before it is linked, and its directory after: the creation survives a crash. */
  readonly durable?: boolean;
}

/** True when `path` was created here holding `text`; false when it existed already. */
export async function createExclusive(path: string, text: string, o: ExclusiveCreateOptions): Promise<boolean> {
  const tmp = `${path}.${o.tag}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    if (o.durable) await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, path);
    if (o.durable) await fsyncDir(dirname(path));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}
