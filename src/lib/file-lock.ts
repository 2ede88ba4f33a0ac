/**
 * An inter-process lock file beside the file it guards. Taken by link(2) of a fully written
 * temp file onto the lock name, which fails when the lock exists (the O_EXCL semantics, with
 * no moment where the lock is seen empty). It names its holder by pid, process start time and
 * host: a holder that is gone (or whose pid now names another process) is stale, and the
 * lock is taken over. Taking over goes through a second short lock (`.break`), so two
 * processes that both saw the same stale lock cannot both remove a fresh one.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { readFile, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createExclusive } from './exclusive-create.js';
import { isPidAlive } from './pid-alive.js';
import { processStartTime } from './process-start.js';

export interface LockHolder {
  readonly pid: number;
  /** Start time of the holder (see process-start.ts); undefined where /proc does not tell. */
  readonly start: string | undefined;
  readonly host: string;
  readonly since: string;
  readonly token: string;
}

export interface FileLockOptions {
  /** How long to wait for a live holder (default 10 s). */
  readonly waitMs?: number;
  /** Called once per stale lock taken over. */
  readonly onStale?: (holder: LockHolder) => void;
}

export type LockAttempt = { readonly ok: true; release(): Promise<void> } | { readonly ok: false; readonly holder: LockHolder | undefined };

const POLL_MS = 20;

export function lockPath(file: string): string {
  return `${file}.lock`;
}

/** Takes the lock of `file`, waiting for a live holder up to waitMs; `ok: false` names who holds it. */
export async function acquireFileLock(file: string, o: FileLockOptions = {}): Promise<LockAttempt> {
  const path = lockPath(file);
  const deadline = Date.now() + (o.waitMs ?? 10_000);
  const me = holderOf(process.pid);
  for (;;) {
    if (await tryCreate(path, me)) return { ok: true, release: () => releaseIfMine(path, me.token) };
    const holder = await readHolder(path);
    if (holder && isStale(holder)) {
      if (await breakStale(path, holder)) o.onStale?.(holder);
      continue;
    }
    if (Date.now() >= deadline) return { ok: false, holder };
    await sleep(POLL_MS + Math.floor(Math.random() * POLL_MS));
  }
}

/** Gone, or its pid now names a process that started at another time. Holders on another host are never judged stale. */
export function isStale(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return false;
  if (!isPidAlive(holder.pid)) return true;
  const start = processStartTime(holder.pid);
  return holder.start !== undefined && start !== undefined && start !== holder.start;
}

function holderOf(pid: number): LockHolder {
  return { pid, start: processStartTime(pid), host: hostname(), since: new Date().toISOString(), token: randomBytes(8).toString('hex') };
}

/** Creates the lock file naming `holder`: true when the lock was free. */
function tryCreate(path: string, holder: LockHolder): Promise<boolean> {
  return createExclusive(path, `${JSON.stringify(holder)}\n`, { tag: holder.token });
}

/** The holder named in the lock file; undefined when it vanished meanwhile (or is not a slipway lock). */
export async function readHolder(path: string): Promise<LockHolder | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const h = JSON.parse(text) as LockHolder;
    return typeof h.pid === 'number' && typeof h.token === 'string' ? h : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the stale lock if it still is the one seen, under the `.break` lock; true when it was removed here. */
async function breakStale(path: string, seen: LockHolder): Promise<boolean> {
  const breaker = `${path}.break`;
  const me = holderOf(process.pid);
  if (!(await tryCreate(breaker, me))) {
    const other = await readHolder(breaker);
    // A breaker whose holder died within these few lines: removed, the next round retries.
    if (!other || isStale(other)) await unlink(breaker).catch(() => undefined);
    else await sleep(POLL_MS);
    return false;
  }
  try {
    const now = await readHolder(path);
    if (now?.token !== seen.token) return false;
    await unlink(path).catch(() => undefined);
    return true;
  } finally {
    await releaseIfMine(breaker, me.token);
  }
}

async function releaseIfMine(path: string, token: string): Promise<void> {
  const holder = await readHolder(path);
  if (holder?.token === token) await unlink(path).catch(() => undefined);
}
