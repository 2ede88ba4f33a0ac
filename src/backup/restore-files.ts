import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, mkdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { SlipwayError } from '../errors.js';
import { drainOutput, spawnStage } from './child-stage.js';
import { ChildSink } from './child-sink.js';
import { readBack } from './read-back.js';
import { scratchName, type RestoreContext, type RestoreMode } from './restore-mode.js';

function sidePath(dest: string, what: string): string {
  return join(dirname(dest), `.${basename(dest)}.${what}-${randomBytes(4).toString('hex')}`);
}

function destination(ctx: RestoreContext, to: string | undefined, mode: RestoreMode): string {
  const original = ctx.manifest.source.kind === 'postgres' ? undefined : ctx.manifest.source.path;
  const base = to ?? original;
  if (!base) throw new SlipwayError('SLW_BACKUP_SOURCE_INVALID', 'A restore of this backup needs a destination path.');
  if (mode.kind === 'in-place') return resolve(base);
  return resolve(mode.into ?? (to ? base : scratchName(base, ctx.manifest, '.')));
}

async function mustNotExist(path: string): Promise<void> {
  if (await stat(path).catch(() => undefined)) {
    throw new SlipwayError('SLW_BACKUP_RESTORE_TARGET_EXISTS', `${path} already exists; restores never overwrite it without --force.`);
  }
}

/**
 * Restores an SQLite backup as a file: written whole to a hidden temp file next to the
 * destination and fsynced, then linked into place (scratch: fails if the name exists) or
 * renamed over the database (in place: the app must be stopped; its -wal and -shm go first,
 * or SQLite would replay the old journal into the restored file).
 */
export async function restoreSqlite(ctx: RestoreContext, to: string | undefined, mode: RestoreMode): Promise<string> {
  const dest = destination(ctx, to, mode);
  if (mode.kind === 'scratch') await mustNotExist(dest);
  await mkdir(dirname(dest), { recursive: true });
  const tmp = sidePath(dest, 'restore');
  try {
    await readBack({
      ...readBackBase(ctx),
      sink: () => ({ stream: createWriteStream(tmp, { flags: 'wx', mode: 0o600, flush: true }), children: [] }),
    });
    if (mode.kind === 'scratch') {
      await link(tmp, dest).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EEXIST') return mustNotExist(dest);
        throw err;
      });
      await unlink(tmp);
      return dest;
    }
    await mode.beforeOverwrite(ctx.manifest);
    await rm(`${dest}-wal`, { force: true });
    await rm(`${dest}-shm`, { force: true });
    await rename(tmp, dest);
    return dest;
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Restores a directory backup: extracted by tar into a hidden sibling, then renamed into
 * place; in place, the old tree is renamed aside first and removed only after the swap.
 */
export async function restoreDir(ctx: RestoreContext, to: string | undefined, mode: RestoreMode): Promise<string> {
  const dest = destination(ctx, to, mode);
  if (mode.kind === 'scratch') await mustNotExist(dest);
  await mkdir(dirname(dest), { recursive: true });
  const tmp = sidePath(dest, 'restore');
  await mkdir(tmp, { mode: 0o700 });
  try {
    await readBack({
      ...readBackBase(ctx),
      sink: () => {
        const child = spawnStage(['tar', '--extract', '--file=-', `--directory=${tmp}`], {
          env: ctx.env,
          stdin: 'pipe',
          failCode: 'SLW_BACKUP_RESTORE_FAILED',
        });
        drainOutput(child);
        return { stream: new ChildSink(child.stdin!), children: [child] };
      },
    });
    if (mode.kind === 'scratch') {
      await mustNotExist(dest);
      await rename(tmp, dest);
      return dest;
    }
    await mode.beforeOverwrite(ctx.manifest);
    const old = sidePath(dest, 'old');
    const hadOld = await rename(dest, old).then(
      () => true,
      (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? false : Promise.reject(err)),
    );
    await rename(tmp, dest);
    if (hadOld) await rm(old, { recursive: true, force: true });
    return dest;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

function readBackBase(ctx: RestoreContext): Omit<Parameters<typeof readBack>[0], 'sink'> {
  return { target: ctx.target, manifest: ctx.manifest, key: ctx.key, env: ctx.env, ...(ctx.signal ? { signal: ctx.signal } : {}) };
}
