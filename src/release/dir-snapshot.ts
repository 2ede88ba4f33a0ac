import type { Dirent } from 'node:fs';
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

class DirCopy {
  readonly stats: TreeStats = { files: 0, bytes: 0 };

  constructor(private readonly exclude: readonly string[]) {}

  #excluded(path: string): boolean {
    return this.exclude.some((ex) => path === ex || path.startsWith(ex + sep));
  }

  async copyDir(from: string, to: string, rel: string, parents: readonly Level[]): Promise<void> {
    const entries = (await readdir(from, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    const level = await readLevel(from, rel, entries);
    const levels = level ? [...parents, level] : parents;
    for (const entry of entries) {
      const src = join(from, entry.name);
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.name === '.git' || this.#excluded(src)) continue;
      if (isIgnored(levels, relPath, entry.isDirectory())) continue;
      await this.#copyEntry(entry, src, join(to, entry.name), relPath, levels);
    }
  }

  async #copyEntry(entry: Dirent, src: string, dst: string, relPath: string, levels: readonly Level[]): Promise<void> {
    if (entry.isDirectory()) {
      const { mode } = await lstat(src);
      await mkdir(dst);
      await this.copyDir(src, dst, relPath, levels);
      await chmod(dst, mode & 0o7777); // after the copy, so a read-only directory can be filled
    } else if (entry.isFile()) {
      const { mode, size } = await lstat(src);
      await copyFile(src, dst);
      await chmod(dst, mode & 0o7777);
      this.stats.files++;
      this.stats.bytes += size;
    } else if (entry.isSymbolicLink()) {
      await symlink(await readlink(src), dst);
      this.stats.files++;
    }
    // Sockets, FIFOs and devices are not part of an app's source: skipped.
  }
}

/**
 * Copies `source` into the existing empty directory `into`, leaving out `.git`, paths that
 * .gitignore files (at every level) ignore, and the absolute paths in `exclude`.
 * File modes are kept; symlinks are copied as symlinks, never followed.
 */
export async function dirSnapshot(source: string, into: string, exclude: readonly string[]): Promise<TreeStats> {
  const copy = new DirCopy(exclude);
  await copy.copyDir(source, into, '', []);
  return copy.stats;
}
