import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { SourceState } from '../config/plan.js';
import { dirContentHash } from './dir-snapshot.js';
import { isDirty, locateInGit } from './git-snapshot.js';

/**
 * What a deploy would snapshot from `source`, without copying anything: the git commit (and
 * whether the work tree has changes HEAD does not hold), or a folder snapshot and the hash of
 * what it would hold (read, not copied). Paths in
 * `exclude` (the state dir) do not make the tree dirty, as in the snapshot itself.
 */
export async function sourceState(source: string, exclude: readonly string[]): Promise<SourceState> {
  const dir = await realpath(resolve(source)).catch(() => resolve(source));
  const location = await locateInGit(dir);
  const real = await Promise.all(exclude.map((p) => realpath(resolve(p)).catch(() => resolve(p))));
  if (!location) return { kind: 'folder', contentHash: await dirContentHash(dir, [...new Set([...exclude.map((p) => resolve(p)), ...real])]) };
  return { kind: 'git', commit: location.commit, dirty: await isDirty(dir, real) };
}
