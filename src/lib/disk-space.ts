import { statfsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';

export interface DiskSpace {
  /** Bytes an unprivileged process may still write. */
  readonly freeBytes: number;
  readonly sizeBytes: number;
}

/** Free and total space of the file system that holds `path`. */
export async function diskSpace(path: string): Promise<DiskSpace> {
  const s = await statfs(path);
  return { freeBytes: s.bavail * s.bsize, sizeBytes: s.blocks * s.bsize };
}

/** Whether the file system that holds `path` has less than `bytes` left (false when it cannot be measured). */
export function nearlyFullSync(path: string, bytes = 1024 * 1024): boolean {
  try {
    const s = statfsSync(path);
    return s.bavail * s.bsize < bytes;
  } catch {
    return false;
  }
}
