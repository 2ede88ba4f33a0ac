import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { SourceState } from '../config/plan.js';
import { isDirty, locateInGit } from './git-snapshot.js';

/**
 * What a deploy would snapshot from `source`, without copying anything: the git commit (and
 * whether the work tree has changes HEAD does not hold), or a folder snapshot. Paths in
 * `exclude` (the state dir) do not make the tree dirty, as in the snapshot itself.
 */
export async function sourceState(source: string, exclude: readonly string[]): Promise<SourceState> {
  const dir = await realpath(resolve(source)).catch(() => resolve(source));
  const location = await locateInGit(dir);
  if (!location) return { kind: 'folder' };
  const real = await Promise.all(exclude.map((p) => realpath(resolve(p)).catch(() => resolve(p))));
  return { kind: 'git', commit: location.commit, dirty: await isDirty(dir, real) };
}
