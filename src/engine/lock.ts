import { diskFullError, SlipwayError } from '../errors.js';
import type { LockRecord } from './records.js';
import type { JournalInput, StateStore, StoreWriter } from './store.js';
import { isPidAlive } from '../lib/pid-alive.js';

export interface LockOptions {
  readonly ttlMs: number;
  readonly heartbeatMs: number;
  readonly now?: () => number;
}

/** A held deploy lock; the heartbeat keeps it from expiring while its owner lives. */
export interface LockLease {
  readonly record: LockRecord;
  release(): void;
}

/** Stale when its expiry has passed or its owning process is gone. */
export function isStale(lock: LockRecord, now: number): boolean {
  return Date.parse(lock.expiresAt) <= now || !isPidAlive(lock.pid);
}

/** A journal write that failed because the disk was full, written before the next lock is taken. */
interface OwedWrite {
  readonly entry: JournalInput;
  readonly apply: (tx: StoreWriter) => void;
}

/**
 * The deploy lock: one owner at a time, with heartbeat and expiry, kept in the state store.
 *
 * A full disk must not hold the lock: when its release (or a deployment's outcome) cannot be
 * journaled, the write is owed, the lock counts as free in this daemon at once, and the owed
 * writes go first, in order, when the next lock is taken (which fails with SLW_DISK_FULL,
 * changing nothing, while the disk is still full). A daemon that dies meanwhile leaves the
 * journal as it was: boot recovery reverts the open deployment and frees the lock.
 */
export class DeployLock {
  readonly #store: StateStore;
  readonly #options: LockOptions;
  #owed: OwedWrite[] = [];
  /** The owner whose release is owed: its record in the store no longer holds the lock. */
  #releasedOwner: string | undefined;
  #writeFailures = 0;

  constructor(store: StateStore, options: LockOptions) {
    this.#store = store;
    this.#options = options;
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  status(): { lock: LockRecord | undefined; stale: boolean } {
    try {
      this.settle();
    } catch {
      // Still full: what is owed stays owed; the lock is free all the same.
    }
    const stored = this.#store.lock();
    const lock = stored && stored.owner === this.#releasedOwner ? undefined : stored;
    return { lock, stale: lock ? isStale(lock, this.#now()) : false };
  }

  /** Journal writes that failed (a full disk) since the daemon started: the journal-write-failed alert counts them. */
  get writeFailures(): number {
    return this.#writeFailures;
  }

  /** Journal writes owed (failed on a full disk, not yet written). */
  get owed(): number {
    return this.#owed.length;
  }

  /**
   * Records a journal write that failed because the disk is full, to be written before the next
   * lock is taken. Returns the SLW_DISK_FULL error; anything else is not owed and is rethrown.
   */
  owe(entry: JournalInput, apply: (tx: StoreWriter) => void, err: unknown): SlipwayError {
    const full = diskFullError(err);
    this.#writeFailures++;
    if (!full) throw err;
    this.#owed.push({ entry, apply });
    return full;
  }

  /** Counts a journal write that failed and is not owed (a heartbeat: the next one rewrites it). */
  noteWriteFailure(): void {
    this.#writeFailures++;
  }

  /** Writes what is owed, in order; throws SLW_DISK_FULL (keeping the rest) while it cannot. */
  settle(): void {
    while (this.#owed[0]) {
      const { entry, apply } = this.#owed[0];
      try {
        this.#store.transact(entry, apply);
      } catch (err) {
        throw diskFullError(err) ?? err;
      }
      this.#owed.shift();
    }
    this.#releasedOwner = undefined;
  }

  acquire(owner: string, deploymentId: string | undefined): LockLease {
    this.settle();
    const now = this.#now();
    const record: LockRecord = {
      owner,
      pid: process.pid,
      deploymentId,
      acquiredAt: new Date(now).toISOString(),
      heartbeatAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.#options.ttlMs).toISOString(),
    };
    const held = this.#store.lock();
    if (held && !isStale(held, now)) {
      throw new SlipwayError('SLW_LOCK_HELD', `The deploy lock is held by ${held.owner} since ${held.acquiredAt}.`, {
        details: { lock: held },
      });
    }
    this.#store.transact({ deploymentId, kind: 'lock.acquired', data: { owner, replaced: held?.owner } }, (tx) =>
      tx.setLock(record),
    );
    const timer = setInterval(() => this.#beat(owner), this.#options.heartbeatMs);
    timer.unref();
    return {
      record,
      release: () => {
        clearInterval(timer);
        this.#releaseIfOwner(owner, deploymentId);
      },
    };
  }

  /** Frees the lock whoever holds it (`slipway lock release --force`, or boot recovery). */
  forceRelease(reason: string): LockRecord | undefined {
    const held = this.#store.lock();
    if (!held) return undefined;
    this.#store.transact({ deploymentId: held.deploymentId, kind: 'lock.released', data: { owner: held.owner, reason } }, (tx) =>
      tx.setLock(undefined),
    );
    return held;
  }

  /** Runs on a timer: a write that fails (a full disk) is counted, never thrown (it would end the daemon). */
  #beat(owner: string): void {
    const held = this.#store.lock();
    if (!held || held.owner !== owner) return;
    const now = this.#now();
    const next: LockRecord = {
      ...held,
      heartbeatAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.#options.ttlMs).toISOString(),
    };
    try {
      this.#store.transact({ deploymentId: held.deploymentId, kind: 'lock.heartbeat' }, (tx) => tx.setLock(next));
    } catch {
      this.#writeFailures++;
    }
  }

  #releaseIfOwner(owner: string, deploymentId: string | undefined): void {
    const held = this.#store.lock();
    if (!held || held.owner !== owner) return;
    const entry: JournalInput = { deploymentId, kind: 'lock.released', data: { owner } };
    // Owed, it frees only the lock this owner still holds then.
    const apply = (tx: StoreWriter): void => {
      if (this.#store.lock()?.owner === owner) tx.setLock(undefined);
    };
    try {
      this.#store.transact(entry, apply);
    } catch (err) {
      this.owe(entry, apply, err);
      this.#releasedOwner = owner;
    }
  }
}
