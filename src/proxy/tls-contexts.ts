import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { SecureContext } from 'node:tls';
import { checkCertificate } from '../certs/cert-check.js';
import type { ProxyEvents } from './events.js';
import type { TlsEntry } from './protocol.js';
import { TLS_POLICY } from './tls-policy.js';
import { AlpnChallenges } from './tls-alpn.js';
import type { Socket } from 'node:net';

interface Loaded {
  readonly entry: TlsEntry;
  readonly context: SecureContext;
  readonly serial: string;
  /** Kept for the listener's default context (clients that send no SNI). */
  readonly pem: { readonly cert: string; readonly key: string };
}

export interface TlsContextsOptions {
  readonly events: ProxyEvents;
  /** How often watched certificate files are polled for changes (default 1 s). */
  readonly watchIntervalMs?: number;
}

/**
 * The certificates of the HTTPS listener, looked up per handshake by SNI. Each entry's files
 * are read into a secure context when the table names them and again when either file
 * changes; a pair that does not load (bad PEM, wrong key, expired, wrong host) is reported and
 * the context already loaded for those hosts keeps serving. A handshake in progress keeps the
 * context it was given, so a swap drops no connection.
 */
export class TlsContexts {
  readonly #events: ProxyEvents;
  readonly #intervalMs: number;
  /** By "certFile\0keyFile". */
  #loaded = new Map<string, Loaded>();
  /** Host (exact or "*.suffix") → key into #loaded. */
  #byHost = new Map<string, string>();
  #defaultKey: string | undefined;
  #watched = new Set<string>();
  /** Pending TLS-ALPN-01 challenges, answered before the HTTPS listener sees the connection. */
  readonly #alpn = new AlpnChallenges();

  constructor(options: TlsContextsOptions) {
    this.#events = options.events;
    this.#intervalMs = options.watchIntervalMs ?? 1000;
  }

  /**
   * Makes `entries` the served set: new files are loaded, gone ones dropped and unwatched.
   * `alpnChallenges` (host → key authorization) replaces the pending TLS-ALPN-01 answers;
   * `ready()` resolves once their certificates are made.
   */
  update(entries: readonly TlsEntry[], alpnChallenges?: Readonly<Record<string, string>>): void {
    void this.#alpn.update(alpnChallenges).catch((err: unknown) => {
      this.#events.emit('tls-load-failed', { hosts: Object.keys(alpnChallenges ?? {}), certFile: 'acme-tls/1 challenge', error: err instanceof Error ? err.message : String(err) });
    });
    const next = new Map<string, Loaded>();
    const byHost = new Map<string, string>();
    for (const entry of entries) {
      const key = keyOf(entry);
      const previous = this.#loaded.get(key) ?? this.#previousFor(entry);
      const loaded = this.#load(entry) ?? previous;
      if (!loaded) continue;
      next.set(key, loaded);
      for (const host of entry.hosts) if (!byHost.has(host)) byHost.set(host, key);
    }
    this.#loaded = next;
    this.#byHost = byHost;
    this.#defaultKey = next.keys().next().value;
    this.#watch(entries);
    this.onChange();
  }

  /** Resolves when the TLS-ALPN-01 certificates of the last update are ready. */
  ready(): Promise<void> {
    return this.#alpn.ready().catch(() => undefined);
  }

  /** A new HTTPS connection: to the TLS-ALPN-01 answer when it asks for one, else `next`. */
  routeConnection(socket: Socket, next: (socket: Socket) => void): void {
    this.#alpn.route(socket, next);
  }

  /** The context for an SNI server name; the first entry's for clients that send none. */
  lookup(servername: string | undefined): SecureContext | undefined {
    const name = (servername ?? '').toLowerCase();
    const key = this.#byHost.get(name) ?? this.#byHost.get(wildcardOf(name)) ?? this.#byHost.get('*') ?? this.#defaultKey;
    return key === undefined ? undefined : this.#loaded.get(key)?.context;
  }

  /** The entry (and its policy) serving `host`. */
  entryFor(host: string): TlsEntry | undefined {
    const name = host.toLowerCase();
    const key = this.#byHost.get(name) ?? this.#byHost.get(wildcardOf(name)) ?? this.#byHost.get('*');
    return key === undefined ? undefined : this.#loaded.get(key)?.entry;
  }

  /** Cert and key of the default entry, for clients that send no server name. */
  defaultPem(): { cert: string; key: string } | undefined {
    return this.#defaultKey === undefined ? undefined : this.#loaded.get(this.#defaultKey)?.pem;
  }

  /** Called after the served set changed (a table update or a file change). */
  onChange: () => void = () => undefined;

  get size(): number {
    return this.#loaded.size;
  }

  close(): void {
    for (const file of this.#watched) unwatchFile(file);
    this.#watched.clear();
  }

  #load(entry: TlsEntry): Loaded | undefined {
    try {
      const fullchain = readFileSync(entry.certFile, 'utf8');
      const privkey = readFileSync(entry.keyFile, 'utf8');
      const summary = checkCertificate({ fullchain, privkey, hosts: entry.hosts.filter((h) => h !== '*') });
      const context = process.getBuiltinModule('node:tls').createSecureContext({ ...TLS_POLICY, cert: fullchain, key: privkey });
      this.#events.emit('tls-loaded', { hosts: entry.hosts, serial: summary.serial, notAfter: summary.notAfter });
      return { entry, context, serial: summary.serial, pem: { cert: fullchain, key: privkey } };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      this.#events.emit('tls-load-failed', {
        hosts: entry.hosts,
        certFile: entry.certFile,
        error: `${typeof code === 'string' ? `${code}: ` : ''}${err instanceof Error ? err.message : String(err)}`,
      });
      return undefined;
    }
  }

  /** What served the same hosts before their files were renamed (a renewal moves the paths). */
  #previousFor(entry: TlsEntry): Loaded | undefined {
    const key = entry.hosts.map((h) => this.#byHost.get(h)).find((k) => k !== undefined);
    const loaded = key === undefined ? undefined : this.#loaded.get(key);
    return loaded && { ...loaded, entry };
  }

  #watch(entries: readonly TlsEntry[]): void {
    const wanted = new Set(entries.flatMap((e) => [e.certFile, e.keyFile]));
    for (const file of this.#watched) {
      if (!wanted.has(file)) {
        unwatchFile(file);
        this.#watched.delete(file);
      }
    }
    for (const file of wanted) {
      if (this.#watched.has(file)) continue;
      this.#watched.add(file);
      watchFile(file, { interval: this.#intervalMs, persistent: false }, () => this.#reload(file));
    }
  }

  #reload(file: string): void {
    for (const [key, loaded] of this.#loaded) {
      if (loaded.entry.certFile !== file && loaded.entry.keyFile !== file) continue;
      const fresh = this.#load(loaded.entry);
      if (fresh && fresh.serial !== loaded.serial) {
        this.#loaded.set(key, fresh);
        this.onChange();
      }
    }
  }
}

function keyOf(entry: TlsEntry): string {
  return `${entry.certFile}\0${entry.keyFile}`;
}

function wildcardOf(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? '' : `*${name.slice(dot)}`;
}
