import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Every entry of a tree: path, type, mode, and content hash or link target. */
export function treeOf(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((path) => {
      const full = join(root, path);
      const info = lstatSync(full);
      if (info.isSymbolicLink()) return `${path} -> ${readlinkSync(full)}`;
      if (info.isDirectory()) return `${path}/ ${(info.mode & 0o7777).toString(8)}`;
      return `${path} ${(info.mode & 0o7777).toString(8)} ${createHash('sha256').update(readFileSync(full)).digest('hex')}`;
    });
}

/** A small tree with a subdirectory, an executable, a symlink and non-ASCII text; `bigBytes` of random data in random.bin. */
export function makeTree(root: string, bigBytes = 0): void {
  mkdirSync(join(root, 'a/b'), { recursive: true });
  writeFileSync(join(root, 'a/b/photo.bin'), Buffer.alloc(300_000, 7));
  writeFileSync(join(root, 'readme.txt'), 'hello ünïcode\n');
  writeFileSync(join(root, 'script.sh'), '#!/bin/sh\n');
  chmodSync(join(root, 'script.sh'), 0o750);
  symlinkSync('a/b/photo.bin', join(root, 'link'));
  if (bigBytes > 0) writeFileSync(join(root, 'random.bin'), randomBytes(bigBytes));
}

/** Every regular file below `dir`, at any depth. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}
