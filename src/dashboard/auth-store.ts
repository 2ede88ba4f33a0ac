/**
 * The dashboard's access: one token (created and rotated by `slipway dashboard token`, kept only
 * as its SHA-256) exchanged at login for a session. Sessions are kept hashed too, each with its
 * CSRF token, in <stateDir>/dashboard/auth.json (0600, written atomically), so a restarted daemon
 * keeps its users logged in. Rotating the token ends every session.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../lib/atomic-write.js';

const SESSION_MS = 12 * 3600_000;
const MAX_SESSIONS = 64;

interface SessionRecord {
  /** SHA-256 of the session id the cookie carries. */
  readonly idHash: string;
  readonly csrf: string;
  readonly createdAt: string;
  readonly expiresAt: number;
}

interface AuthFile {
  readonly version: 1;
  readonly token?: { readonly hash: string; readonly createdAt: string };
  readonly sessions: readonly SessionRecord[];
}

export interface Session {
  readonly csrf: string;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Equal strings, in time that does not depend on where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class AuthStore {
  readonly #file: string;
  readonly #now: () => number;
  #state: AuthFile = { version: 1, sessions: [] };

  private constructor(stateDir: string, now: () => number) {
    this.#file = join(stateDir, 'dashboard', 'auth.json');
    this.#now = now;
  }

  /** The store of a state dir; a missing file is no token yet, an unreadable one an error (never read as empty). */
  static async open(stateDir: string, now: () => number = Date.now): Promise<AuthStore> {
    const store = new AuthStore(stateDir, now);
    const text = await readFile(store.#file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (text !== undefined) store.#state = JSON.parse(text) as AuthFile;
    return store;
  }

  get hasToken(): boolean {
    return this.#state.token !== undefined;
  }

  /** A new token: returned once, kept hashed; every session of the old one ends. */
  async rotate(): Promise<{ token: string; createdAt: string; endedSessions: number }> {
    const token = `slw_dash_${randomBytes(32).toString('base64url')}`;
    const createdAt = new Date(this.#now()).toISOString();
    const endedSessions = this.#live().length;
    await this.#save({ version: 1, token: { hash: sha256(token), createdAt }, sessions: [] });
    return { token, createdAt, endedSessions };
  }

  /** A session for the right token (its id for the cookie, its CSRF token); undefined for any other. */
  async login(token: string): Promise<{ id: string; csrf: string } | undefined> {
    const known = this.#state.token;
    if (!known || !sameSecret(sha256(token), known.hash)) return undefined;
    const id = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    const record: SessionRecord = { idHash: sha256(id), csrf, createdAt: new Date(this.#now()).toISOString(), expiresAt: this.#now() + SESSION_MS };
    await this.#save({ ...this.#state, sessions: [...this.#live(), record].slice(-MAX_SESSIONS) });
    return { id, csrf };
  }

  /** The live session a cookie's id names, if any. */
  session(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const hash = sha256(id);
    const found = this.#live().find((s) => sameSecret(s.idHash, hash));
    return found ? { csrf: found.csrf } : undefined;
  }

  async logout(id: string): Promise<void> {
    const hash = sha256(id);
    await this.#save({ ...this.#state, sessions: this.#live().filter((s) => s.idHash !== hash) });
  }

  #live(): SessionRecord[] {
    const now = this.#now();
    return this.#state.sessions.filter((s) => s.expiresAt > now);
  }

  async #save(next: AuthFile): Promise<void> {
    await writeFileAtomic(this.#file, `${JSON.stringify(next)}\n`, 0o600);
    this.#state = next;
  }
}
