import type { RateLimitZone } from '../protocol.js';

/** Buckets kept per zone at most (about 120 bytes each); the least recently used go first. */
export const DEFAULT_BUCKET_CAP = 50_000;
/** Stale buckets dropped per request at most (keeps the sweep's cost constant per request). */
const SWEEP_PER_TAKE = 4;

interface Bucket {
  tokens: number;
  /** When `tokens` was computed (ms). */
  at: number;
}

/**
 * Token buckets of one zone, one per client address. Memory is bounded: the map is kept in
 * least-recently-used order, a bucket idle long enough to have refilled is dropped (it is the
 * same as no bucket), and past `cap` the least recently used one is evicted, so a flood of
 * distinct addresses costs at most `cap` buckets.
 */
export class TokenBuckets {
  readonly perSecond: number;
  readonly burst: number;
  readonly cap: number;
  readonly #perMs: number;
  /** Idle time after which any bucket is full again. */
  readonly #refillMs: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(zone: RateLimitZone, cap = DEFAULT_BUCKET_CAP) {
    this.perSecond = zone.perSecond;
    this.burst = zone.burst;
    this.cap = cap;
    this.#perMs = zone.perSecond / 1000;
    this.#refillMs = Math.ceil(zone.burst / this.#perMs);
  }

  get size(): number {
    return this.#buckets.size;
  }

  /** Takes one token for `key`: 0 when granted, else the ms until the next token. */
  take(key: string, now: number): number {
    this.#sweep(now);
    let bucket = this.#buckets.get(key);
    if (bucket) {
      this.#buckets.delete(key); // re-inserted below: most recently used last
      bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) * this.#perMs);
      bucket.at = now;
    } else {
      if (this.#buckets.size >= this.cap) this.#evictOldest();
      bucket = { tokens: this.burst, at: now };
    }
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.#perMs));
  }

  #sweep(now: number): void {
    let n = 0;
    for (const [key, bucket] of this.#buckets) {
      if (n++ >= SWEEP_PER_TAKE || now - bucket.at < this.#refillMs) return;
      this.#buckets.delete(key);
    }
  }

  #evictOldest(): void {
    const oldest = this.#buckets.keys().next();
    if (!oldest.done) this.#buckets.delete(oldest.value);
  }
}

export interface ZoneStats {
  /** Requests refused with 429 since the proxy started. */
  limited: number;
  /** Client buckets held now. */
  tracked: number;
}

/** The table's zones; a zone whose rate and burst did not change keeps its buckets across tables. */
export class RateLimiter {
  readonly #cap: number;
  #zones = new Map<string, TokenBuckets>();
  readonly #limited = new Map<string, number>();

  constructor(cap = DEFAULT_BUCKET_CAP) {
    this.#cap = cap;
  }

  update(zones: Readonly<Record<string, RateLimitZone>> | undefined): void {
    const next = new Map<string, TokenBuckets>();
    for (const [name, zone] of Object.entries(zones ?? {})) {
      const known = this.#zones.get(name);
      next.set(name, known && known.perSecond === zone.perSecond && known.burst === zone.burst ? known : new TokenBuckets(zone, this.#cap));
    }
    this.#zones = next;
  }

  /**
   * One request of `client` in `zone`: undefined when allowed, else the seconds to wait
   * (Retry-After). An unknown zone limits nothing (the config checks zone names).
   */
  take(zone: string, client: string, now = performance.now()): number | undefined {
    const buckets = this.#zones.get(zone);
    if (!buckets) return undefined;
    const waitMs = buckets.take(client, now);
    if (waitMs === 0) return undefined;
    this.#limited.set(zone, (this.#limited.get(zone) ?? 0) + 1);
    return Math.max(1, Math.ceil(waitMs / 1000));
  }

  stats(): Record<string, ZoneStats> {
    const out: Record<string, ZoneStats> = {};
    for (const [name, limited] of this.#limited) out[name] = { limited, tracked: 0 };
    for (const [name, buckets] of this.#zones) out[name] = { limited: this.#limited.get(name) ?? 0, tracked: buckets.size };
    return out;
  }
}
