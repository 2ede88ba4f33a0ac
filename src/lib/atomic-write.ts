import { open, rename, symlink, unlink, mkdir } from 'node:fs/promises';
import { openSync, writeSync, fsyncSync, closeSync, renameSync, mkdirSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

function tempPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Makes a rename or a new entry in `dir` durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes a file atomically: temp file in the same directory, fsync, rename, fsync of the directory. */
export async function writeFileAtomic(target: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = tempPath(target);
  const handle = await open(tmp, 'w', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  await rename(tmp, target);
  await fsyncDir(dirname(target));
}

/** Synchronous twin of writeFileAtomic, for shutdown paths that cannot await. */
export function writeFileAtomicSync(target: string, data: string | Uint8Array, mode = 0o644): void {
  mkdirSync(dirname(target), { recursive: true });
  const tmp = tempPath(target);
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, target);
  const dirFd = openSync(dirname(target), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** Points `link` at `target` atomically: a new symlink under a temp name, renamed over the old one. */
export async function symlinkAtomic(target: string, link: string): Promise<void> {
  const tmp = tempPath(link);
  await symlink(target, tmp);
  await rename(tmp, link);
  await fsyncDir(dirname(link));
}
