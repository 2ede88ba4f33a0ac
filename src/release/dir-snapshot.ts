import { createHash } from 'node:crypto';
import { createReadStream, type Dirent } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readFile, readdir, readlink, symlink } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { parseGitignore, type IgnoreRules } from './ignore-adapter.js';
import type { TreeStats } from './tree-stats.js';

interface Level {
  /** Directory of the .gitignore, relative to the source root ('' at the root). */
  readonly base: string;
  readonly rules: IgnoreRules;
}

/** Git's precedence: the deepest .gitignore with an opinion about the path wins. */
function isIgnored(levels: readonly Level[], relPath: string, isDir: boolean): boolean {
  let ignored = false;
  for (const { base, rules } of levels) {
    const verdict = rules.verdict(base ? relPath.slice(base.length + 1) : relPath, isDir);
    if (verdict !== 'unspecified') ignored = verdict === 'ignored';
  }
  return ignored;
}

async function readLevel(dir: string, base: string, entries: readonly Dirent[]): Promise<Level | undefined> {
  if (!entries.some((e) => e.name === '.gitignore' && e.isFile())) return undefined;
  return { base, rules: parseGitignore(await readFile(join(dir, '.gitignore'), 'utf8')) };
}

/** What a walk does with one entry; `descend` walks a directory's own entries. */
type Visit = (entry: Dirent, src: string, relPath: string, descend: () => Promise<void>) => Promise<void>;

/**
 * The entries a snapshot holds, in name order: everything under `source` but `.git`, what
 * .gitignore files (at every level) ignore, and the absolute paths in `exclude`.
 */
async function walkTree(from: string, rel: string, parents: readonly Level[], exclude: readonly string[], visit: Visit): Promise<void> {
  const entries = (await readdir(from, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  const level = await readLevel(from, rel, entries);
  const levels = level ? [...parents, level] : parents;
  for (const entry of entries) {
    const src = join(from, entry.name);
    const relPath = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.name === '.git' || exclude.some((ex) => src === ex || src.startsWith(ex + sep))) continue;
    if (isIgnored(levels, relPath, entry.isDirectory())) continue;
    await visit(entry, src, relPath, () => walkTree(src, relPath, levels, exclude, visit));
  }
}

/**
 * Copies `source` into the existing empty directory `into`, leaving out `.git`, paths that
 * .gitignore files (at every level) ignore, and the absolute paths in `exclude`.
 * File modes are kept; symlinks are copied as symlinks, never followed.
 */
export async function dirSnapshot(source: string, into: string, exclude: readonly string[]): Promise<TreeStats> {
  const stats = { files: 0, bytes: 0 };
  const target = (relPath: string): string => join(into, ...relPath.split('/'));
  await walkTree(source, '', [], exclude, async (entry, src, relPath, descend) => {
    const dst = target(relPath);
    if (entry.isDirectory()) {
      const { mode } = await lstat(src);
      await mkdir(dst);
      await descend();
      await chmod(dst, mode & 0o7777); // after the copy, so a read-only directory can be filled
    } else if (entry.isFile()) {
      const { mode, size } = await lstat(src);
      await copyFile(src, dst);
      await chmod(dst, mode & 0o7777);
      stats.files++;
      stats.bytes += size;
    } else if (entry.isSymbolicLink()) {
      await symlink(await readlink(src), dst);
      stats.files++;
    }
    // Sockets, FIFOs and devices are not part of an app's source: skipped.
  });
  return stats;
}

/**
 * A hash of what a folder snapshot of `source` holds: every entry's path, type and mode, each
 * file's content (SHA-256), each link's target. The walk is the snapshot's own, so the hash of
 * a source equals the hash of its snapshot: `slipway plan` compares folders with it.
 */
export async function dirContentHash(source: string, exclude: readonly string[]): Promise<string> {
  const tree = createHash('sha256');
  await walkTree(source, '', [], exclude, async (entry, src, relPath, descend) => {
    const name = JSON.stringify(relPath);
    if (entry.isDirectory()) {
      tree.update(`d ${(await lstat(src)).mode & 0o7777} ${name}\n`);
      await descend();
    } else if (entry.isFile()) {
      const content = createHash('sha256');
      for await (const chunk of createReadStream(src)) content.update(chunk as Buffer);
      tree.update(`f ${(await lstat(src)).mode & 0o7777} ${name} ${content.digest('hex')}\n`);
    } else if (entry.isSymbolicLink()) {
      tree.update(`l ${name} ${JSON.stringify(await readlink(src))}\n`);
    }
  });
  return tree.digest('hex');
}
