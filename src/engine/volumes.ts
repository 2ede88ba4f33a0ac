import { randomBytes } from 'node:crypto';
import { cp, lstat, mkdir, readdir, rename, rm, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SlipwayError } from '../errors.js';
import type { EngineDeps } from './deps.js';
import { compareText } from '../lib/text-order.js';

/**
 * Where a project's volumes live: <stateDir>/volumes/<project>/<name> (state of before
 * projects: <stateDir>/volumes/<name>). Outside every release and outside
 * projects/<project>/, so neither release retention nor project removal deletes them.
 */
export function volumesRoot(deps: Pick<EngineDeps, 'stateDir' | 'project'>): string {
  return deps.project ? join(deps.stateDir, 'volumes', deps.project) : join(deps.stateDir, 'volumes');
}

/**
 * Links each volume into a release at its path. A volume made for the first time starts with
 * what the release has at that path (like a container volume starts with the image's files);
 * after that the release's own copy is set aside and the link points at the volume.
 */
export async function mountVolumes(deps: Pick<EngineDeps, 'stateDir' | 'project'>, appDir: string, volumes: Readonly<Record<string, { readonly path: string }>>): Promise<void> {
  const root = volumesRoot(deps);
  await mkdir(root, { recursive: true, mode: 0o700 });
  for (const [name, { path }] of Object.entries(volumes)) {
    const volume = join(root, name);
    const at = join(appDir, path);
    const existing = await lstat(at).catch(() => undefined);
    if (existing && !existing.isDirectory()) {
      throw new SlipwayError('SLW_VOLUME_PATH_TAKEN', `Volume ${name} goes at ${path} in the release, where the source has a file, not a directory.`, {
        hint: 'Point the volume at a directory (e.g. ./data) and keep the file inside it, or remove the file from the source.',
      });
    }
    if (!(await lstat(volume).catch(() => undefined))) {
      // First use: seed from the release's directory (made atomically: copy aside, then rename).
      // Services of one dependsOn level deploy side by side and may share a volume: each seeds
      // under its own name, and the one that renames second finds the volume made and drops its copy.
      const seed = `${volume}.seed-${process.pid}-${randomBytes(4).toString('hex')}`;
      if (existing) await cp(at, seed, { recursive: true });
      else await mkdir(seed, { recursive: true });
      await rename(seed, volume).catch(async (err: NodeJS.ErrnoException) => {
        await rm(seed, { recursive: true, force: true });
        if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      });
    }
    if (existing) await rm(at, { recursive: true, force: true });
    await mkdir(dirname(at), { recursive: true });
    await symlink(volume, at, 'dir');
  }
}

/** The project's volumes on disk: name, directory, bytes used. */
export async function listVolumes(deps: Pick<EngineDeps, 'stateDir' | 'project'>): Promise<{ name: string; dir: string; bytes: number }[]> {
  const root = volumesRoot(deps);
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const out: { name: string; dir: string; bytes: number }[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || e.name.includes('.seed-')) continue;
    out.push({ name: e.name, dir: join(root, e.name), bytes: await sizeOf(join(root, e.name)) });
  }
  return out.sort((a, b) => compareText(a.name, b.name));
}

async function sizeOf(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = join(dir, e.name);
    if (e.isDirectory()) total += await sizeOf(full);
    else total += (await lstat(full).catch(() => undefined))?.size ?? 0;
  }
  return total;
}
