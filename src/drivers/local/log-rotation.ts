import { copyFile, rename, stat, truncate } from 'node:fs/promises';

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * Rotates `file` when it is larger than maxBytes: file.1 → file.2 … (keeping `keep` copies),
 * the file is copied to file.1 and truncated IN PLACE, because the app writes to it through an
 * O_APPEND descriptor we cannot reopen (writes continue at the new end). Lines written between
 * the copy and the truncation are lost, as with logrotate's copytruncate. Returns true if rotated.
 */
export async function rotateLogFile(file: string, maxBytes: number, keep: number): Promise<boolean> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
  if (size <= maxBytes) return false;
  if (keep > 0) {
    for (let i = keep - 1; i >= 1; i--) {
      await rename(`${file}.${i}`, `${file}.${i + 1}`).catch((err: unknown) => {
        if (!isMissing(err)) throw err;
      });
    }
    const tmp = `${file}.1.tmp`;
    await copyFile(file, tmp);
    await rename(tmp, `${file}.1`);
  }
  await truncate(file, 0);
  return true;
}
