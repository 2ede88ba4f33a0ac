import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface TreeStats {
  /** Regular files and symlinks. */
  files: number;
  /** Total size of the regular files. */
  bytes: number;
}

/** Counts what a snapshot holds, without following symlinks. */
export async function treeStats(root: string): Promise<TreeStats> {
  const stats: TreeStats = { files: 0, bytes: 0 };
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isSymbolicLink()) stats.files++;
      else if (entry.isFile()) {
        stats.files++;
        stats.bytes += (await lstat(path)).size;
      }
    }
  };
  await walk(root);
  return stats;
}
