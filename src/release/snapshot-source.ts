import { randomBytes } from 'node:crypto';
import { lstat, mkdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { diskFullError, SlipwayError } from '../errors.js';
import { dirContentHash, dirSnapshot } from './dir-snapshot.js';
import { gitSnapshot, locateInGit } from './git-snapshot.js';
import { fsyncDir } from '../lib/atomic-write.js';
import { treeStats } from './tree-stats.js';

export interface SnapshotOptions {
  /** The service's source directory. */
  readonly source: string;
  /** The release directory to create; it must not exist yet. */
  readonly dest: string;
  /** Absolute paths to leave out (e.g. the state dir when it lies inside the source). */
  readonly exclude?: readonly string[];
}

export interface SourceSnapshot {
  readonly kind: 'git' | 'dir';
  /** The commit taken (git sources only). */
  readonly commit?: string;
  /** True when the work tree has changes HEAD does not hold (they are NOT in the snapshot). */
  readonly dirty?: boolean;
  /** What a folder snapshot holds, hashed (folder sources only; dirContentHash): `plan` compares it. */
  readonly contentHash?: string;
  readonly files: number;
  readonly bytes: number;
}

async function checkSource(source: string): Promise<string> {
  try {
    if ((await stat(source)).isDirectory()) return await realpath(source);
  } catch {
    // reported below
  }
  throw new SlipwayError('SLW_SOURCE_NOT_FOUND', `Source directory ${source} does not exist or is not a directory.`, {
    details: { source },
  });
}

async function checkDestFree(dest: string): Promise<void> {
  const exists = await lstat(dest).then(() => true, () => false);
  if (exists) throw new SlipwayError('SLW_SOURCE_DEST_EXISTS', `Release directory ${dest} already exists.`, { details: { dest } });
}

function wrap(err: unknown): SlipwayError {
  if (err instanceof SlipwayError) return err;
  const full = diskFullError(err);
  if (full) return new SlipwayError('SLW_DISK_FULL', `The source snapshot could not be written: no space left on the disk of the state directory (${(err as Error).message}).`, { cause: err, ...(full.details ? { details: full.details } : {}) });
  return new SlipwayError('SLW_SOURCE_SNAPSHOT_FAILED', `The source snapshot could not be written: ${(err as Error).message}.`, { cause: err });
}

/**
 * Takes an immutable copy of a service's source for a release: the committed HEAD when the
 * source is in a git work tree, else the directory minus ignored files. Written into
 * `<dest>.tmp-*` and renamed into place, so `dest` either is complete or does not exist.
 */
export async function snapshotSource(options: SnapshotOptions): Promise<SourceSnapshot> {
  const source = await checkSource(resolve(options.source));
  const dest = resolve(options.dest);
  await checkDestFree(dest);
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${randomBytes(4).toString('hex')}`;
  await mkdir(tmp, { mode: 0o755 });
  const exclude = [...(options.exclude ?? []).map((p) => resolve(p)), resolve(tmp), dest];
  const realExclude = await Promise.all(exclude.map((p) => realpath(p).catch(() => p)));
  try {
    const location = await locateInGit(source);
    let snapshot: SourceSnapshot;
    if (location) {
      const { commit, dirty } = await gitSnapshot(source, location, tmp, realExclude);
      snapshot = { kind: 'git', commit, dirty, ...(await treeStats(tmp)) };
    } else {
      snapshot = { kind: 'dir', ...(await dirSnapshot(source, tmp, [...new Set([...exclude, ...realExclude])])), contentHash: await dirContentHash(tmp, []) };
    }
    await checkDestFree(dest);
    await rename(tmp, dest);
    await fsyncDir(dirname(dest));
    return snapshot;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw wrap(err);
  }
}
