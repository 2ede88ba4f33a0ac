/**
 * Keeps a certificate live in the store for every route with TLS on: the local CA for
 * `internal`, the user's files for `{cert, key}` (watched), ACME for `auto`. Renewal is checked
 * every 10 minutes with jitter; a failure keeps the old certificate, backs off and is published
 * on the `slipway:certs` diagnostics channel. The proxy learns about certificates through
 * `decorate`, which the daemon applies to every routing table it pushes.
 */
import { createHash } from 'node:crypto';
import { channel } from 'node:diagnostics_channel';
import { mkdir, readFile } from 'node:fs/promises';
import { unwatchFile, watchFile } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/model.js';
import { SlipwayError, toSlipwayError } from '../errors.js';
import type { RoutingTableInput, TlsEntry } from '../proxy/protocol.js';
import { createAccountKey, orderCertificate, type ChallengePublisher, type OrderOptions } from './acme-adapter.js';
import { CertStore, type StoredCert } from './cert-store.js';
import { LocalCa } from './local-ca.js';
import { EMPTY_SET, loadManagedSet, managedSetOf, saveManagedSet, sourceOf, type ManagedCert, type ManagedSet } from './managed-set.js';
import { backoffMs, nextCheckMs, renewalAt } from './renewal-policy.js';
import { writeFileAtomic } from '../lib/atomic-write.js';

/** Failure events for alerting: `{ type: 'certificate-failed', name, hosts, code, message, retryAt }`. */
export const certEvents = channel('slipway:certs');

export interface CertManagerOptions {
  readonly stateDir: string;
  /** Pushes a new routing table (through the engine's publisher, so versions stay journaled). */
  readonly publish: (reason: string) => Promise<unknown>;
  readonly now?: () => number;
  /** acme-client settings (low retries and short polls in tests). */
  readonly acme?: Pick<OrderOptions, 'retries' | 'pollMinMs' | 'pollMaxMs'>;
}

/** One managed certificate as `certs list` shows it. */
export interface CertState {
  readonly entry: ManagedCert;
  readonly live: StoredCert | undefined;
  readonly nextRenewal: string | undefined;
  readonly lastError: string | undefined;
  readonly retryAt: string | undefined;
}

export type CheckMode = 'background' | 'issue' | 'renew';

interface Attempts {
  failures: number;
  retryAt: number;
  lastError: string | undefined;
}

export class CertManager {
  readonly store: CertStore;
  readonly ca: LocalCa;
  readonly #o: CertManagerOptions;
  readonly #now: () => number;
  readonly #setFile: string;
  #set: ManagedSet = EMPTY_SET;
  readonly #live = new Map<string, StoredCert>();
  readonly #attempts = new Map<string, Attempts>();
  readonly #challenges = new Map<string, string>();
  readonly #watched = new Set<string>();
  #chain: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #decorated = '';
  #closed = false;

  constructor(options: CertManagerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    const root = join(options.stateDir, 'certs');
    this.store = new CertStore(root);
    this.ca = new LocalCa(root);
    this.#setFile = join(root, 'managed.json');
  }

  /** Restores the saved set and what the store holds, then starts the renewal loop. */
  async start(): Promise<void> {
    await mkdir(this.store.root, { recursive: true, mode: 0o700 });
    await this.store.recover();
    this.#set = await loadManagedSet(this.#setFile);
    await this.#refreshLive();
    this.#watchFiles();
    this.#schedule();
  }

  /** A config was loaded (daemon start, deploy): adopt its TLS routes and get their certificates. */
  async configure(config: Config): Promise<void> {
    this.#set = managedSetOf(config);
    await saveManagedSet(this.#setFile, this.#set);
    this.#watchFiles();
    void this.check('background').catch(() => undefined);
  }

  /** Adds `listen.https`, the live certificates and pending ACME challenges to a table. */
  decorate(table: RoutingTableInput): RoutingTableInput {
    const tls = this.#tlsEntries();
    const challenges = Object.fromEntries(this.#challenges);
    const https = tls.length > 0 ? this.#set.httpsPort : undefined;
    this.#decorated = this.#tableKey();
    return {
      ...table,
      listen: { ...table.listen, ...(https !== undefined ? { https } : {}) },
      ...(tls.length > 0 ? { tls } : {}),
      ...(this.#challenges.size > 0 ? { challenges } : {}),
    };
  }

  /**
   * Issues what is missing and renews what is due; serialized. `background` records failures
   * only; `issue` also throws the first; `renew` renews every matching one, due or not.
   */
  check(mode: CheckMode, host?: string): Promise<CertState[]> {
    const run = this.#chain.then(() => this.#checkNow(mode, host));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /** What `check` would do, without doing it. */
  async plan(host?: string): Promise<Array<{ entry: ManagedCert; action: 'issue' | 'renew' | 'keep' }>> {
    await this.#refreshLive();
    return this.#select(host).map((entry) => {
      const live = this.#live.get(entry.name);
      return { entry, action: !live || !sameHosts(live, entry) ? 'issue' : this.#due(entry, live) ? 'renew' : 'keep' };
    });
  }

  async list(): Promise<CertState[]> {
    await this.#refreshLive();
    return this.#set.certs.map((entry) => this.#stateOf(entry));
  }

  /** The live certificate's not-after per route host (for metrics). */
  async expiries(): Promise<Array<{ host: string; notAfter: string }>> {
    return (await this.list()).flatMap(({ entry, live }) => (live ? entry.hosts.map((host) => ({ host, notAfter: live.summary.notAfter })) : []));
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    for (const file of this.#watched) unwatchFile(file);
    this.#watched.clear();
  }

  async #checkNow(mode: CheckMode, host?: string): Promise<CertState[]> {
    const selected = this.#select(host);
    let firstError: SlipwayError | undefined;
    for (const entry of selected) {
      const error = await this.#ensure(entry, mode);
      firstError ??= error;
    }
    if (this.#tableKey() !== this.#decorated) {
      await this.#o.publish('certificates changed').catch(() => undefined);
    }
    if (mode !== 'background' && firstError) throw firstError;
    return selected.map((entry) => this.#stateOf(entry));
  }

  #select(host: string | undefined): ManagedCert[] {
    if (host === undefined) return [...this.#set.certs];
    const found = this.#set.certs.filter((c) => c.hosts.includes(host.toLowerCase()));
    if (found.length === 0) {
      throw new SlipwayError('SLW_CERT_NOT_FOUND', `No route with TLS on has the host ${host}.`, { details: { host } });
    }
    return found;
  }

  /** One certificate: obtain and install it when missing or due; undefined or the error. */
  async #ensure(entry: ManagedCert, mode: CheckMode): Promise<SlipwayError | undefined> {
    const force = mode === 'renew';
    const live = await this.store.live(entry.name).catch(() => undefined);
    if (live) this.#live.set(entry.name, live);
    const attempts = this.#attemptsOf(entry.name);
    const needed = !live || !sameHosts(live, entry) || this.#due(entry, live);
    if (!force && (!needed || (mode === 'background' && this.#now() < attempts.retryAt))) return undefined;
    try {
      const pair = await this.#obtain(entry);
      if (entry.tls.kind === 'files' && live && !force && (await readFile(live.certFile, 'utf8')) === pair.fullchain && sameHosts(live, entry)) return undefined;
      const stored = await this.store.install(entry.name, { ...pair, hosts: entry.hosts, source: sourceOf(entry.tls), now: new Date(this.#now()) });
      this.#live.set(entry.name, stored);
      this.#attempts.set(entry.name, { failures: 0, retryAt: 0, lastError: undefined });
      return undefined;
    } catch (err) {
      const error = toSlipwayError(err);
      attempts.failures += 1;
      attempts.lastError = `${error.code}: ${error.message}`;
      const retryAfter = error.details?.['retryAfterMs'];
      attempts.retryAt = this.#now() + backoffMs(attempts.failures, typeof retryAfter === 'number' ? retryAfter : undefined);
      certEvents.publish({ type: 'certificate-failed', name: entry.name, hosts: entry.hosts, code: error.code, message: error.message, retryAt: new Date(attempts.retryAt).toISOString() });
      return error;
    }
  }

  /** Files: changes are picked up at once; the others when a third of the lifetime is left. */
  #due(entry: ManagedCert, live: StoredCert): boolean {
    if (entry.tls.kind === 'files') return true; // compared by content in #ensure
    return this.#now() >= renewalAt(new Date(live.summary.notBefore), new Date(live.summary.notAfter)).getTime();
  }

  async #obtain(entry: ManagedCert): Promise<{ fullchain: string; privkey: string }> {
    const tls = entry.tls;
    switch (tls.kind) {
      case 'internal':
        return this.ca.issue(entry.hosts);
      case 'files': {
        const [fullchain, privkey] = await Promise.all([readFile(tls.cert, 'utf8'), readFile(tls.key, 'utf8')]).catch((err: unknown) => {
          throw new SlipwayError('SLW_CERT_UNREADABLE', `Could not read ${tls.cert} or ${tls.key} for ${entry.hosts.join(', ')}.`, { cause: err });
        });
        return { fullchain, privkey };
      }
      case 'auto':
        return this.#order(entry);
    }
  }

  async #order(entry: ManagedCert): Promise<{ fullchain: string; privkey: string }> {
    const acme = this.#set.acme;
    if (!acme) throw new SlipwayError('SLW_CERT_ACME_FAILED', `${entry.hosts.join(', ')} asks for tls: auto but the config has no tls.acme.`);
    const caBundle = acme.caBundle === undefined ? undefined : await readFile(acme.caBundle, 'utf8');
    const publisher: ChallengePublisher = {
      publish: async (token, keyAuthorization) => {
        this.#challenges.set(token, keyAuthorization);
        await this.#o.publish('acme challenge');
      },
      withdraw: async (token) => {
        this.#challenges.delete(token);
        await this.#o.publish('acme challenge done').catch(() => undefined);
      },
    };
    return orderCertificate({ url: acme.directory, email: acme.email, caBundle }, entry.hosts, publisher, {
      ...this.#o.acme,
      accountKey: await this.#accountKey(acme.directory),
    });
  }

  /** One account key per directory, kept (0600) under certs/acme/. */
  async #accountKey(directory: string): Promise<string> {
    const dir = join(this.store.root, 'acme');
    const file = join(dir, `${createHash('sha256').update(directory).digest('hex').slice(0, 16)}.key`);
    const existing = await readFile(file, 'utf8').catch(() => undefined);
    if (existing) return existing;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const key = await createAccountKey();
    await writeFileAtomic(file, key, 0o600);
    return key;
  }

  #tlsEntries(): TlsEntry[] {
    const out: TlsEntry[] = [];
    for (const entry of this.#set.certs) {
      const live = this.#live.get(entry.name);
      if (!live || !sameHosts(live, entry)) continue;
      out.push({
        hosts: [...entry.hosts],
        certFile: live.certFile,
        keyFile: live.keyFile,
        redirectHttp: entry.redirectHttp,
        ...(entry.hstsMaxAge !== undefined ? { hstsMaxAge: entry.hstsMaxAge } : {}),
      });
    }
    return out;
  }

  /** What decorate adds, to know whether the proxy's table is behind. */
  #tableKey(): string {
    return JSON.stringify({ tls: this.#tlsEntries(), challenges: [...this.#challenges], https: this.#set.httpsPort });
  }

  #stateOf(entry: ManagedCert): CertState {
    const live = this.#live.get(entry.name);
    const attempts = this.#attempts.get(entry.name);
    const renewal = live && entry.tls.kind !== 'files' ? renewalAt(new Date(live.summary.notBefore), new Date(live.summary.notAfter)) : undefined;
    const retry = attempts && attempts.retryAt > this.#now() ? attempts.retryAt : undefined;
    const next = retry ?? renewal?.getTime();
    return {
      entry,
      live,
      nextRenewal: next === undefined ? undefined : new Date(next).toISOString(),
      lastError: attempts?.lastError,
      retryAt: retry === undefined ? undefined : new Date(retry).toISOString(),
    };
  }

  #attemptsOf(name: string): Attempts {
    let a = this.#attempts.get(name);
    if (!a) this.#attempts.set(name, (a = { failures: 0, retryAt: 0, lastError: undefined }));
    return a;
  }

  async #refreshLive(): Promise<void> {
    for (const entry of this.#set.certs) {
      const live = await this.store.live(entry.name).catch(() => undefined);
      if (live) this.#live.set(entry.name, live);
      else this.#live.delete(entry.name);
    }
  }

  #watchFiles(): void {
    const wanted = new Set(this.#set.certs.flatMap((c) => (c.tls.kind === 'files' ? [c.tls.cert, c.tls.key] : [])));
    for (const file of this.#watched) if (!wanted.has(file)) unwatchFile(file);
    for (const file of wanted) {
      if (this.#watched.has(file)) continue;
      watchFile(file, { interval: 1000, persistent: false }, () => void this.check('background').catch(() => undefined));
    }
    this.#watched.clear();
    for (const file of wanted) this.#watched.add(file);
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      void this.check('background')
        .catch(() => undefined)
        .finally(() => this.#schedule());
    }, nextCheckMs());
    this.#timer.unref();
  }
}

function sameHosts(live: StoredCert, entry: ManagedCert): boolean {
  return live.hosts.length === entry.hosts.length && live.hosts.every((h, i) => h === entry.hosts[i]) && live.source === sourceOf(entry.tls);
}
