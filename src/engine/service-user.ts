import { chmod, lchown, lstat, readdir, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { SlipwayError } from '../errors.js';
import { systemUser } from '../lib/system-user.js';
import type { EngineDeps } from './deps.js';
import { volumesRoot } from './volumes.js';

/** The uid/gid of a service's `user:`; a name the host does not know is a coded error. */
export function userIds(name: string): { uid: number; gid: number } {
  const found = systemUser(name);
  if (!found) throw new SlipwayError('SLW_SERVICE_USER_UNKNOWN', `System user "${name}" does not exist on this host.`);
  return { uid: found.uid, gid: found.gid };
}

/**
 * Makes a release usable by the service's own user: its volumes are handed to that user (the
 * whole tree when the top is not theirs yet), and the directories from the state directory down
 * to the release and to the volumes get search permission for others (o+x: enter, not list),
 * so the user can reach them. Nothing else in the state directory changes owner.
 */
export async function handToUser(deps: Pick<EngineDeps, 'stateDir' | 'project'>, user: string, appDir: string, volumes: readonly string[]): Promise<void> {
  const ids = userIds(user);
  await searchable(deps.stateDir, appDir);
  for (const volume of volumes) {
    const dir = join(volumesRoot(deps), volume);
    await searchable(deps.stateDir, dirname(dir));
    const top = await stat(dir);
    if (top.uid !== ids.uid) await chownTree(dir, ids);
  }
}

/** o+x on `from` and every directory below it down to `to`. */
async function searchable(from: string, to: string): Promise<void> {
  const parts = relative(from, to).split(sep).filter((p) => p !== '');
  let dir = from;
  for (const part of ['', ...parts]) {
    dir = part === '' ? dir : join(dir, part);
    const s = await stat(dir);
    if ((s.mode & 0o001) === 0) await chmod(dir, (s.mode & 0o7777) | 0o001);
  }
}

async function chownTree(path: string, ids: { uid: number; gid: number }): Promise<void> {
  const s = await lstat(path);
  await lchown(path, ids.uid, ids.gid);
  if (!s.isDirectory()) return;
  for (const entry of await readdir(path)) await chownTree(join(path, entry), ids);
}
