import { SlipwayError } from '../errors.js';
import type { LockRecord } from './records.js';
import type { StateStore } from './store.js';
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

/** The deploy lock: one owner at a time, with heartbeat and expiry, kept in the state store. */
export class DeployLock {
  readonly #store: StateStore;
  readonly #options: LockOptions;

  constructor(store: StateStore, options: LockOptions) {
    this.#store = store;
    this.#options = options;
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  status(): { lock: LockRecord | undefined; stale: boolean } {
    const lock = this.#store.lock();
    return { lock, stale: lock ? isStale(lock, this.#now()) : false };
  }

  acquire(owner: string, deploymentId: string | undefined): LockLease {
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

  #beat(owner: string): void {
    const held = this.#store.lock();
    if (!held || held.owner !== owner) return;
    const now = this.#now();
    const next: LockRecord = {
      ...held,
      heartbeatAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.#options.ttlMs).toISOString(),
    };
    this.#store.transact({ deploymentId: held.deploymentId, kind: 'lock.heartbeat' }, (tx) => tx.setLock(next));
  }

  #releaseIfOwner(owner: string, deploymentId: string | undefined): void {
    const held = this.#store.lock();
    if (!held || held.owner !== owner) return;
    this.#store.transact({ deploymentId, kind: 'lock.released', data: { owner } }, (tx) => tx.setLock(undefined));
  }
}
