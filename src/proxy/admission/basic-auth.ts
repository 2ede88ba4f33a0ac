import { createHmac, randomBytes } from 'node:crypto';
import { hashPassword, verifyPasswordAsync } from '../../secrets/password-hash.js';

export interface BasicAuthUsers {
  readonly realm: string;
  /** User name → scrypt hash. */
  readonly users: Readonly<Record<string, string>>;
}

export type AuthOutcome = 'ok' | 'denied' | 'busy';

export interface BasicAuthOptions {
  /** How long a checked credential is remembered, right or wrong (default 60 s). */
  readonly cacheTtlMs?: number;
  /** Credentials remembered at most (least recently used dropped first). */
  readonly maxCached?: number;
  /** scrypt checks running at once; beyond, requests get 'busy' (503 with Retry-After). */
  readonly maxPending?: number;
}

/**
 * HTTP basic auth against scrypt hashes. scrypt is slow on purpose, so each distinct
 * credential is checked once: the outcome is remembered briefly (keyed by an HMAC of the
 * header under a per-process random key, never the password itself), identical checks in
 * flight share one computation, and at most a few run at once.
 */
export class BasicAuthGate {
  readonly #key = randomBytes(32);
  readonly #ttlMs: number;
  readonly #maxCached: number;
  readonly #maxPending: number;
  readonly #cache = new Map<string, { ok: boolean; until: number }>();
  readonly #pending = new Map<string, Promise<boolean>>();
  /** Checked when the user does not exist, so a missing user takes as long as a wrong password. */
  #decoy: string | undefined;

  constructor(options: BasicAuthOptions = {}) {
    this.#ttlMs = options.cacheTtlMs ?? 60_000;
    this.#maxCached = options.maxCached ?? 10_000;
    this.#maxPending = options.maxPending ?? 4;
  }

  /** Checks an Authorization header against `auth`; synchronous when the answer is known. */
  check(header: string | undefined, auth: BasicAuthUsers, now = Date.now()): AuthOutcome | Promise<AuthOutcome> {
    const credentials = parseBasic(header);
    if (!credentials) return 'denied';
    const stored = Object.hasOwn(auth.users, credentials.user) ? auth.users[credentials.user] : undefined;
    const id = createHmac('sha256', this.#key).update(`${auth.realm}\0${stored ?? ''}\0${header ?? ''}`).digest('base64url');
    const cached = this.#cache.get(id);
    if (cached && cached.until > now) return cached.ok ? 'ok' : 'denied';
    if (cached) this.#cache.delete(id);
    let running = this.#pending.get(id);
    if (!running) {
      if (this.#pending.size >= this.#maxPending) return 'busy';
      running = this.#verify(credentials.password, stored).then((ok) => {
        this.#pending.delete(id);
        this.#remember(id, ok);
        return ok;
      });
      this.#pending.set(id, running);
    }
    return running.then((ok) => (ok ? 'ok' : 'denied'));
  }

  get cached(): number {
    return this.#cache.size;
  }

  async #verify(password: string, stored: string | undefined): Promise<boolean> {
    if (stored !== undefined) return verifyPasswordAsync(password, stored);
    this.#decoy ??= hashPassword(randomBytes(16).toString('hex'));
    await verifyPasswordAsync(password, this.#decoy);
    return false;
  }

  #remember(id: string, ok: boolean): void {
    if (this.#cache.size >= this.#maxCached) {
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.#cache.delete(oldest.value);
    }
    this.#cache.set(id, { ok, until: Date.now() + this.#ttlMs });
  }
}

/** "Basic base64(user:password)" → its parts; undefined when absent or malformed. */
export function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  if (header === undefined) return undefined;
  const match = /^Basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The challenge sent with a 401. */
export function challenge(realm: string): string {
  return `Basic realm="${realm.replace(/["\\]/g, '')}", charset="UTF-8"`;
}
