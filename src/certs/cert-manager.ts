/**
 * Keeps a certificate live in the store for every route with TLS on: the local CA for
 * `internal`, the user's files for `{cert, key}` (watched), ACME for `auto`. Renewal is checked
 * every 10 minutes with jitter; a failure keeps the old certificate, backs off and is published
 * on the `slipway:certs` diagnostics channel. The proxy learns about certificates through
 * `decorate`, which the daemon applies to every routing table it pushes.
 */
import { channel } from 'node:diagnostics_channel';
import { mkdir, readFile } from 'node:fs/promises';
import { unwatchFile, watchFile } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/model.js';
import { SlipwayError, toSlipwayError } from '../errors.js';
import type { RoutingTableInput, TlsEntry } from '../proxy/protocol.js';
import type { OrderOptions } from './acme-adapter.js';
import { AcmeOrders } from './acme-orders.js';
import type { SecretReader } from './dns01-challenges.js';
import { CertStore, type StoredCert } from './cert-store.js';
import { LocalCa } from './local-ca.js';
import { EMPTY_SET, loadManagedSets, managedSetOf, saveManagedSets, sourceOf, unionOf, type ManagedCert, type ManagedSet } from './managed-set.js';
import { backoffMs, DEFAULT_BACKOFF, nextCheckMs, renewalAt, CHECK_EVERY_MS, type BackoffBounds } from './renewal-policy.js';
import { AriTracker } from './ari-tracker.js';

/**
 * Events for alerting and the daemon log: `{ type: 'certificate-failed', name, hosts, code,
 * message, failures, retryAt }` after each failed attempt (failures counts them in a row), and
 * `{ type: 'certificate-installed', name, hosts, serial, notAfter }` after a new certificate went live.
 */
export const certEvents = channel('slipway:certs');

export interface CertManagerOptions {
  readonly stateDir: string;
  /** Pushes a new routing table (through the engine's publisher, so versions stay journaled). */
  readonly publish: (reason: string) => Promise<unknown>;
  readonly now?: () => number;
  /** acme-client settings (low retries and short polls in tests). */
  readonly acme?: Pick<OrderOptions, 'retries' | 'pollMinMs' | 'pollMaxMs'>;
  /** Failure backoff bounds (default 1 minute to 6 hours). */
  readonly backoff?: BackoffBounds;
  /** Renewal loop period before jitter (default 10 minutes). */
  readonly checkEveryMs?: number;
  /** How long the files of a certificate whose route is gone are kept (default 7 days). */
  readonly removedGraceMs?: number;
  /** Least time between two renewalInfo polls of one certificate (default 1 minute; the CA's Retry-After rules above it). */
  readonly ariMinPollMs?: number;
  /** Reads the DNS-01 credentials (secret references in tls.acme.dns01) from the secret store. */
  readonly readSecret?: SecretReader;
  /** Test hook passed to the store (crash between archive write and live swap). */
  readonly crashPoint?: (name: string) => void;
}

/** A removed route's certificate files stay this long, so putting the route back reuses them. */
export const REMOVED_GRACE_MS = 7 * 86_400_000;

/** One managed certificate as `certs list` shows it. */
export interface CertState {
  readonly entry: ManagedCert;
  readonly live: StoredCert | undefined;
  readonly nextRenewal: string | undefined;
  readonly lastError: string | undefined;
  /** When the last attempt failed (absent once one succeeds). */
  readonly lastErrorAt: string | undefined;
  /** Failed attempts in a row (0 after a success). */
  readonly failures: number;
  readonly retryAt: string | undefined;
  /** The CA's suggested renewal window (RFC 9773) for the live certificate, when it offers one. */
  readonly ariWindow: { readonly start: string; readonly end: string } | undefined;
}

export type CheckMode = 'background' | 'issue' | 'renew';

interface Attempts {
  failures: number;
  retryAt: number;
  lastError: string | undefined;
  lastErrorAt: number | undefined;
}

const NO_ATTEMPTS: Attempts = { failures: 0, retryAt: 0, lastError: undefined, lastErrorAt: undefined };

export class CertManager {
  readonly store: CertStore;
  readonly ca: LocalCa;
  readonly #o: CertManagerOptions;
  readonly #now: () => number;
  readonly #setFile: string;
  #set: ManagedSet = EMPTY_SET;
  #sets = new Map<string, ManagedSet>();
  readonly #live = new Map<string, StoredCert>();
  readonly #attempts = new Map<string, Attempts>();
  readonly #orders: AcmeOrders;
  readonly #watched = new Set<string>();
  readonly #ari: AriTracker;
  #chain: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #decorated = '';
  #closed = false;

  constructor(options: CertManagerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    const root = join(options.stateDir, 'certs');
    this.store = new CertStore(root, options.crashPoint ? { crashPoint: options.crashPoint } : {});
    this.ca = new LocalCa(root);
    this.#setFile = join(root, 'managed.json');
    this.#orders = new AcmeOrders({ root, publish: options.publish, ...(options.acme ? { acme: options.acme } : {}), ...(options.readSecret ? { readSecret: options.readSecret } : {}) });
    this.#ari = new AriTracker({ now: this.#now, minPollMs: options.ariMinPollMs ?? 60_000 });
  }

  /** Restores the saved set and what the store holds, then starts the renewal loop. */
  async start(): Promise<void> {
    await mkdir(this.store.root, { recursive: true, mode: 0o700 });
    await this.store.recover();
    this.#sets = await loadManagedSets(this.#setFile);
    this.#set = unionOf(this.#sets);
    await this.#refreshLive();
    this.#watchFiles();
    this.#schedule();
  }

  /**
   * A project's config was loaded (daemon start, deploy): adopt its TLS routes and get their
   * certificates. Each project's set is kept apart; the certificates managed are their union.
   */
  async configure(config: Config, project: string = config.project): Promise<void> {
    // State of before projects (one set, project '') belongs to the first project configured.
    if (project !== '') this.#sets.delete('');
    this.#sets.set(project, managedSetOf(config));
    await this.#saveSets();
  }

  /** A project removed from the host: its certificates are no longer renewed (pruned after the grace period). */
  async forget(project: string): Promise<void> {
    if (!this.#sets.delete(project)) return;
    await this.#saveSets();
  }

  async #saveSets(): Promise<void> {
    this.#set = unionOf(this.#sets);
    await saveManagedSets(this.#setFile, this.#sets);
    this.#watchFiles();
    void this.check('background').catch(() => undefined);
  }

  /** Adds `listen.https`, the live certificates and pending ACME challenges to a table. */
  decorate(table: RoutingTableInput): RoutingTableInput {
    const tls = this.#tlsEntries();
    const { challenges, alpnChallenges } = this.#orders;
    // Bound as soon as a route has TLS on: TLS-ALPN-01 validates the first certificate on it.
    const https = this.#set.certs.length > 0 ? this.#set.httpsPort : undefined;
    this.#decorated = this.#tableKey();
    return {
      ...table,
      listen: { ...table.listen, ...(https !== undefined ? { https } : {}) },
      ...(tls.length > 0 ? { tls } : {}),
      ...(challenges.size > 0 ? { challenges: Object.fromEntries(challenges) } : {}),
      ...(alpnChallenges.size > 0 ? { alpnChallenges: Object.fromEntries(alpnChallenges) } : {}),
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

  /** Per route host with TLS on, for metrics: the live certificate's not-after and the failed attempts in a row. */
  async expiries(): Promise<Array<{ host: string; notAfter?: string; failures: number }>> {
    return (await this.list()).flatMap(({ entry, live, failures }) =>
      entry.hosts.map((host) => ({ host, failures, ...(live ? { notAfter: live.summary.notAfter } : {}) })),
    );
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
    if (host === undefined) await this.store.prune(new Set(this.#set.certs.map((c) => c.name)), this.#o.removedGraceMs ?? REMOVED_GRACE_MS, this.#now());
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
    if (live && entry.tls.kind === 'auto' && this.#set.acme) await this.#ari.poll(entry.name, live, this.#set.acme);
    // A failed attempt (a forced renewal included) is retried until one succeeds.
    const needed = !live || !sameHosts(live, entry) || this.#due(entry, live) || attempts.failures > 0;
    // Backoff spares the CA; a changed file is read again at once.
    const waiting = mode === 'background' && entry.tls.kind !== 'files' && this.#now() < attempts.retryAt;
    if (!force && (!needed || waiting)) return undefined;
    try {
      const pair = await this.#obtain(entry, live);
      if (entry.tls.kind === 'files' && live && !force && (await readFile(live.certFile, 'utf8')) === pair.fullchain && sameHosts(live, entry)) return undefined;
      const stored = await this.store.install(entry.name, { ...pair, hosts: entry.hosts, source: sourceOf(entry.tls), now: new Date(this.#now()) });
      this.#live.set(entry.name, stored);
      this.#attempts.set(entry.name, { ...NO_ATTEMPTS });
      certEvents.publish({ type: 'certificate-installed', name: entry.name, hosts: entry.hosts, serial: stored.summary.serial, notAfter: stored.summary.notAfter });
      return undefined;
    } catch (err) {
      const error = toSlipwayError(err);
      attempts.failures += 1;
      attempts.lastError = `${error.code}: ${error.message}`;
      attempts.lastErrorAt = this.#now();
      const retryAfter = error.details?.['retryAfterMs'];
      attempts.retryAt = this.#now() + backoffMs(attempts.failures, typeof retryAfter === 'number' ? retryAfter : undefined, this.#o.backoff ?? DEFAULT_BACKOFF);
      certEvents.publish({
        type: 'certificate-failed',
        name: entry.name,
        hosts: entry.hosts,
        code: error.code,
        message: error.message,
        failures: attempts.failures,
        retryAt: new Date(attempts.retryAt).toISOString(),
      });
      this.#schedule();
      return error;
    }
  }

  /** Files: changes are picked up at once; the others when a third of the lifetime is left. */
  #due(entry: ManagedCert, live: StoredCert): boolean {
    if (entry.tls.kind === 'files') return true; // compared by content in #ensure
    return this.#now() >= this.#renewalTime(entry, live);
  }

  /** A third of the lifetime left, or earlier when the CA's renewal window (RFC 9773) says so. */
  #renewalTime(entry: ManagedCert, live: StoredCert): number {
    const third = renewalAt(new Date(live.summary.notBefore), new Date(live.summary.notAfter)).getTime();
    const ari = this.#ari.windowOf(entry.name, live);
    return ari ? Math.min(third, ari.point) : third;
  }


  async #obtain(entry: ManagedCert, live: StoredCert | undefined): Promise<{ fullchain: string; privkey: string }> {
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
        return this.#order(entry, live);
    }
  }

  async #order(entry: ManagedCert, live: StoredCert | undefined): Promise<{ fullchain: string; privkey: string }> {
    const acme = this.#set.acme;
    if (!acme) throw new SlipwayError('SLW_CERT_ACME_FAILED', `${entry.hosts.join(', ')} asks for tls: auto but the config has no tls.acme.`);
    const ari = live ? this.#ari.windowOf(entry.name, live) : undefined;
    return this.#orders.order(acme, { hosts: entry.hosts, replaces: ari?.certId, failures: this.#attemptsOf(entry.name).failures });
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
        ...(entry.hstsMaxAge !== undefined && entry.hstsIncludeSubDomains ? { hstsIncludeSubDomains: true } : {}),
        ...(entry.hstsMaxAge !== undefined && entry.hstsPreload ? { hstsPreload: true } : {}),
      });
    }
    return out;
  }

  /** What decorate adds, to know whether the proxy's table is behind. */
  #tableKey(): string {
    return JSON.stringify({ tls: this.#tlsEntries(), challenges: [...this.#orders.challenges], alpn: [...this.#orders.alpnChallenges], https: this.#set.httpsPort });
  }

  #stateOf(entry: ManagedCert): CertState {
    const live = this.#live.get(entry.name);
    const attempts = this.#attempts.get(entry.name);
    const renewal = live && entry.tls.kind !== 'files' ? this.#renewalTime(entry, live) : undefined;
    // While attempts fail, the next one is the retry, even once its time has come and it is under way.
    const retry = attempts && attempts.failures > 0 ? attempts.retryAt : undefined;
    const next = retry ?? renewal;
    const window = live ? this.#ari.windowOf(entry.name, live)?.window : undefined;
    return {
      entry,
      live,
      nextRenewal: next === undefined ? undefined : new Date(next).toISOString(),
      lastError: attempts?.lastError,
      lastErrorAt: attempts?.lastErrorAt === undefined ? undefined : new Date(attempts.lastErrorAt).toISOString(),
      failures: attempts?.failures ?? 0,
      retryAt: retry === undefined ? undefined : new Date(retry).toISOString(),
      ariWindow: window && { start: new Date(window.start).toISOString(), end: new Date(window.end).toISOString() },
    };
  }

  #attemptsOf(name: string): Attempts {
    let a = this.#attempts.get(name);
    if (!a) this.#attempts.set(name, (a = { ...NO_ATTEMPTS }));
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

  /** The next look: the periodic check, or the earliest retry after a failure when sooner. */
  #schedule(): void {
    if (this.#closed) return;
    if (this.#timer) clearTimeout(this.#timer);
    const names = new Set(this.#set.certs.map((c) => c.name));
    const retries = [...this.#attempts].filter(([name, a]) => a.failures > 0 && names.has(name)).map(([, a]) => a.retryAt - this.#now());
    // Never sooner than 250 ms: a retry whose time has come runs in the check this timer starts.
    const delay = Math.max(250, Math.min(nextCheckMs(Math.random, this.#o.checkEveryMs ?? CHECK_EVERY_MS), ...retries));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.check('background')
        .catch(() => undefined)
        .finally(() => this.#timer === undefined && this.#schedule());
    }, delay);
    this.#timer.unref();
  }
}

function sameHosts(live: StoredCert, entry: ManagedCert): boolean {
  return live.hosts.length === entry.hosts.length && live.hosts.every((h, i) => h === entry.hosts[i]) && live.source === sourceOf(entry.tls);
}
