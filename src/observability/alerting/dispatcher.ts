/**
 * Delivers notifications to every notifier, each on its own: attempts with exponential backoff
 * (a notifier that stays down does not hold the others), and health per notifier for status
 * and metrics. Error texts pass through `redact` so no notifier secret reaches a log or view.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Notification, Notifier } from './notification.js';

export interface RetryPolicy {
  readonly attempts: number;
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  readonly timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, firstDelayMs: 1000, maxDelayMs: 30_000, timeoutMs: 10_000 };

/**
 * idle: nothing sent yet; ok: the last delivery went through; retrying: an attempt failed and
 * another is scheduled (nextRetryAt); failing: the last delivery failed after every attempt.
 */
export interface NotifierHealth {
  readonly name: string;
  readonly type: string;
  readonly state: 'idle' | 'ok' | 'retrying' | 'failing';
  /** Notifications delivered. */
  readonly sent: number;
  /** Notifications given up after the last attempt. */
  readonly failed: number;
  /** Failed attempts that were retried. */
  readonly retries: number;
  /** Attempts that failed since the last one that went through. */
  readonly consecutiveFailures: number;
  readonly lastError?: string;
  readonly lastErrorAt?: string;
  readonly lastSentAt?: string;
  /** When the next attempt is due, while one waits. */
  readonly nextRetryAt?: string;
}

export type DeliveryEvent =
  | { readonly kind: 'sent'; readonly notifier: string; readonly group: string; readonly status: string; readonly attempt: number }
  | { readonly kind: 'retry'; readonly notifier: string; readonly group: string; readonly attempt: number; readonly error: string; readonly delayMs: number }
  | { readonly kind: 'failed'; readonly notifier: string; readonly group: string; readonly error: string };

export class Dispatcher {
  readonly #notifiers: readonly Notifier[];
  readonly #retry: RetryPolicy;
  readonly #redact: (text: string) => string;
  readonly #onEvent: (e: DeliveryEvent) => void;
  readonly #health = new Map<string, NotifierHealth>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #abort = new AbortController();

  constructor(notifiers: readonly Notifier[], o: { retry: RetryPolicy; redact: (text: string) => string; onEvent: (e: DeliveryEvent) => void }) {
    this.#notifiers = notifiers;
    this.#retry = o.retry;
    this.#redact = o.redact;
    this.#onEvent = o.onEvent;
    for (const n of notifiers) this.#health.set(n.name, { name: n.name, type: n.type, state: 'idle', sent: 0, failed: 0, retries: 0, consecutiveFailures: 0 });
  }

  health(): NotifierHealth[] {
    return [...this.#health.values()];
  }

  notifier(name: string): Notifier | undefined {
    return this.#notifiers.find((n) => n.name === name);
  }

  /** Queues the notification for every notifier; returns at once. */
  dispatch(notification: Notification): void {
    for (const n of this.#notifiers) {
      const p = this.deliver(n, notification).catch(() => undefined);
      this.#inFlight.add(p);
      void p.finally(() => this.#inFlight.delete(p));
    }
  }

  /** Delivers with retries; rejects with the last (redacted) error when every attempt failed. */
  async deliver(n: Notifier, notification: Notification): Promise<void> {
    let delay = this.#retry.firstDelayMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await n.send(notification, AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#retry.timeoutMs)]));
        this.#record(n.name, { ok: true });
        this.#onEvent({ kind: 'sent', notifier: n.name, group: notification.group, status: notification.status, attempt });
        return;
      } catch (err) {
        const error = this.#redact(err instanceof Error ? err.message : String(err));
        if (attempt >= this.#retry.attempts || this.#abort.signal.aborted) {
          this.#record(n.name, { ok: false, error });
          this.#onEvent({ kind: 'failed', notifier: n.name, group: notification.group, error });
          throw new Error(error);
        }
        this.#record(n.name, { ok: false, error, retryAt: Date.now() + delay });
        this.#onEvent({ kind: 'retry', notifier: n.name, group: notification.group, attempt, error, delayMs: delay });
        await sleep(delay, undefined, { signal: this.#abort.signal }).catch(() => undefined);
        delay = Math.min(delay * 2, this.#retry.maxDelayMs);
      }
    }
  }

  /** Waits (up to graceMs) for deliveries in flight, then cuts them. */
  async close(graceMs = 2000): Promise<void> {
    await Promise.race([Promise.allSettled([...this.#inFlight]), sleep(graceMs, undefined, { ref: false })]);
    this.#abort.abort();
    for (const n of this.#notifiers) n.close?.();
  }

  #record(name: string, r: { ok: true } | { ok: false; error: string; retryAt?: number }): void {
    const h = this.#health.get(name);
    if (!h) return;
    const now = new Date().toISOString();
    if (r.ok) {
      this.#health.set(name, { name, type: h.type, state: 'ok', sent: h.sent + 1, failed: h.failed, retries: h.retries, consecutiveFailures: 0, lastSentAt: now });
      return;
    }
    const { nextRetryAt: _previous, ...rest } = h;
    this.#health.set(name, {
      ...rest,
      state: r.retryAt === undefined ? 'failing' : 'retrying',
      failed: r.retryAt === undefined ? h.failed + 1 : h.failed,
      retries: r.retryAt === undefined ? h.retries : h.retries + 1,
      consecutiveFailures: h.consecutiveFailures + 1,
      lastError: r.error,
      lastErrorAt: now,
      ...(r.retryAt === undefined ? {} : { nextRetryAt: new Date(r.retryAt).toISOString() }),
    });
  }
}
