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
