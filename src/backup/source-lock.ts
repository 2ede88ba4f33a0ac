import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { SlipwayError } from '../errors.js';
import { isPidAlive } from '../lib/pid-alive.js';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { createExclusive } from '../lib/exclusive-create.js';

interface LockBody {
  readonly token: string;
  readonly pid: number;
  readonly acquiredAt: string;
  readonly expiresAt: string;
}

export interface SourceLockOptions {
  /** How long a lock lives without a heartbeat (default 10 minutes). */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

/** A held lock: renewed in the background until released. */
export interface SourceLock {
  release(): Promise<void>;
}

const DEFAULT_TTL_MS = 10 * 60_000;

/** Stale when its expiry has passed or its process is gone. */
function isStale(body: LockBody | undefined, now: number): boolean {
  return !body || Date.parse(body.expiresAt) <= now || !isPidAlive(body.pid);
}

async function readBody(path: string): Promise<LockBody | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockBody;
  } catch {
    return undefined;
  }
}

/**
 * One backup per source at a time, across processes: `<dir>/<source>.lock` holds the owner's
 * pid, a random token and an expiry renewed every third of the TTL. The lock is created
 * whole (written under a temp name, then hard-linked into place, which fails if it exists),
 * and a stale one is taken over by renaming it aside first, so two takers cannot both win.
 */
export async function acquireSourceLock(dir: string, source: string, options: SourceLockOptions = {}): Promise<SourceLock> {
  const ttl = options.ttlMs ?? DEFAULT_TTL_MS;
  const now = options.now ?? Date.now;
  const path = join(dir, `${source}.lock`);
  await mkdir(dir, { recursive: true });
  const token = randomBytes(8).toString('hex');
  const acquiredAt = new Date(now()).toISOString();
  const body = (): LockBody => ({
    token,
    pid: process.pid,
    acquiredAt,
    expiresAt: new Date(now() + ttl).toISOString(),
  });
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await tryCreate(path, body())) return hold(path, token, ttl, body);
    const held = await readBody(path);
    if (!isStale(held, now())) {
      throw new SlipwayError('SLW_BACKUP_IN_PROGRESS', `A backup of ${source} is already running (process ${held?.pid}, since ${held?.acquiredAt}).`, {
        details: { pid: held?.pid, acquiredAt: held?.acquiredAt, expiresAt: held?.expiresAt },
      });
    }
    await takeAside(path, held);
  }
  throw new SlipwayError('SLW_BACKUP_IN_PROGRESS', `The lock of ${source} kept changing hands; another backup of it is starting.`);
}

function tryCreate(path: string, body: LockBody): Promise<boolean> {
  return createExclusive(path, JSON.stringify(body), { tag: body.token });
}

/** Moves a stale lock away, unless it changed since it was judged stale (then a retry decides). */
async function takeAside(path: string, judged: LockBody | undefined): Promise<void> {
  const aside = `${path}.stale.${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch {
    return; // someone else moved it first
  }
  const moved = await readBody(aside);
  if (judged && moved?.token !== judged.token) {
    await link(aside, path).catch(() => undefined); // a live lock taken by mistake goes back
  }
  await unlink(aside).catch(() => undefined);
}

function hold(path: string, token: string, ttl: number, body: () => LockBody): SourceLock {
  const timer = setInterval(() => {
    void readBody(path).then((held) => (held?.token === token ? writeFileAtomic(path, JSON.stringify(body()), 0o600) : undefined)).catch(() => undefined);
  }, Math.max(1000, Math.floor(ttl / 3)));
  timer.unref();
  return {
    async release() {
      clearInterval(timer);
      const held = await readBody(path);
      if (held?.token === token) await unlink(path).catch(() => undefined);
    },
  };
}
