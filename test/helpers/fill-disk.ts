// Fills the file system under a directory (a tmpfs a test mounted) until ENOSPC, then the
// last blocks and inodes with small files, so the next write of any size fails.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function fillDisk(dir: string, chunkBytes = 4 * 1024 * 1024): Promise<void> {
  const chunk = Buffer.alloc(chunkBytes, 1);
  for (let i = 0; ; i++) {
    try {
      await writeFile(join(dir, `filler-${i}`), chunk);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
      throw err;
    }
  }
  for (let i = 0; i < 256; i++) await writeFile(join(dir, `crumb-${i}`), Buffer.alloc(512, 1)).catch(() => undefined);
}
