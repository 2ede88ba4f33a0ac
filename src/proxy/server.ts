import { setTimeout as sleep } from 'node:timers/promises';
import { SlipwayError } from '../errors.js';
import { ProxyEvents } from './events.js';
import { HttpListener } from './http-listener.js';
import { HttpsListener } from './https-listener.js';
import { TlsContexts } from './tls-contexts.js';
import { httpIntercept, httpsIntercept } from './tls-traffic.js';
import type { ProxyStatus, RoutingTable, TableAck } from './protocol.js';
import type { RuntimeTable } from './runtime-table.js';
import { ProxyStats } from './stats.js';
import { checkVersion, parseTable, TableStore } from './table-store.js';
import { TargetRegistry } from './target-registry.js';
import { trafficHandlers } from './traffic.js';

export interface ProxyServerOptions {
  /** Where the committed table is persisted (<stateDir>/proxy/table.json). */
  readonly tablePath: string;
  readonly events?: ProxyEvents;
  /** Time allowed for an upstream's response head, and between body chunks (default 60 s). */
  readonly upstreamTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** How often a failed bind of the saved table's address is retried at boot (default 1 s). */
  readonly listenRetryMs?: number;
  /** How often certificate files named by the table are polled for changes (default 1 s). */
  readonly certWatchMs?: number;
}

/**
 * The data plane: the committed routing table, the listener, the targets behind it.
 * A table change is validated, bound (if its address changed), persisted, then swapped in
 * by one assignment; table changes are serialized.
 */
export class ProxyServer {
  readonly events: ProxyEvents;
  readonly startedAt = new Date().toISOString();
  readonly #store: TableStore;
  readonly #stats = new ProxyStats();
  readonly #registry: TargetRegistry;
  readonly #handlers;
  readonly #httpsHandlers;
  readonly #tls: TlsContexts;
  #https: HttpsListener | undefined;
  readonly #listenRetryMs: number;
  #runtime: RuntimeTable | undefined;
  #listener: HttpListener | undefined;
  #listenError: string | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closing: Promise<void> | undefined;

  constructor(options: ProxyServerOptions) {
    this.events = options.events ?? new ProxyEvents();
    this.#store = new TableStore(options.tablePath);
    this.#listenRetryMs = options.listenRetryMs ?? 1000;
    const upstreamTimeoutMs = options.upstreamTimeoutMs ?? 60_000;
    const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.#registry = new TargetRegistry({
      stats: this.#stats,
      events: this.events,
      poolOptions: { timeoutMs: upstreamTimeoutMs, connectTimeoutMs },
    });
    this.#tls = new TlsContexts({ events: this.events, ...(options.certWatchMs === undefined ? {} : { watchIntervalMs: options.certWatchMs }) });
    this.#tls.onChange = () => this.#https?.useDefault(this.#tls);
    const current = (): RuntimeTable | undefined => this.#runtime;
    const intercept = httpIntercept(() => this.#runtime?.table, this.#tls, () => this.#https?.port);
    this.#handlers = trafficHandlers({ current, upstreamTimeoutMs, connectTimeoutMs, intercept });
    this.#httpsHandlers = trafficHandlers({ current, upstreamTimeoutMs, connectTimeoutMs, proto: 'https', intercept: httpsIntercept(this.#tls) });
  }

  /** Restores the saved table, if any, and starts serving it. */
  async start(): Promise<void> {
    let table: RoutingTable | undefined;
    try {
      table = await this.#store.load();
    } catch (err) {
      this.events.emit('table-load-failed', { path: this.#store.path, error: errorText(err) });
    }
    if (!table) return;
    this.#swap(table);
    await this.#bindOrRetry(table.listen.host, table.listen.http);
    const { host, https } = table.listen;
    if (https !== undefined) {
      await HttpsListener.bind(this.#httpsHandlers, this.#tls, host, https).then(
        (bound) => this.#useHttps(bound),
        (err: unknown) => this.events.emit('listen-failed', { host, port: https, error: errorText(err) }),
      );
    }
  }

  table(): RoutingTable | undefined {
    return this.#runtime?.table;
  }

  /** Validates, persists and swaps in a table pushed by the daemon. */
  applyTable(input: unknown): Promise<TableAck> {
    const run = this.#queue.then(() => this.#apply(input));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  status(): ProxyStatus {
    return {
      pid: process.pid,
      startedAt: this.startedAt,
      tableVersion: this.#runtime?.table.version ?? 0,
      httpPort: this.#listener?.port ?? 0,
      ...(this.#https ? { httpsPort: this.#https.port } : {}),
      ...(this.#listenError === undefined ? {} : { listenError: this.#listenError }),
      services: this.#stats.snapshot(),
      targets: this.#registry.all().map((t) => t.status()),
    };
  }

  /** The longest drain window of the committed table: how long a graceful stop may take. */
  drainWindowMs(): number {
    const services = Object.values(this.#runtime?.table.services ?? {});
    return Math.max(1000, ...services.map((s) => s.drainMs));
  }

  /**
   * Stops accepting, lets in-flight requests finish for at most `graceMs`, then closes every
   * connection, websocket and pool.
   */
  close(graceMs = this.drainWindowMs()): Promise<void> {
    this.#closing ??= this.#close(graceMs);
    return this.#closing;
  }

  async #close(graceMs: number): Promise<void> {
    clearTimeout(this.#retryTimer);
    const listener = this.#listener;
    listener?.stopAccepting();
    this.#https?.stopAccepting();
    this.#tls.close();
    const deadline = Date.now() + graceMs;
    while (this.#inflight() > 0 && Date.now() < deadline) {
      await sleep(20);
      listener?.closeIdleConnections();
      this.#https?.closeIdleConnections();
    }
    listener?.closeAllConnections();
    this.#https?.closeAllConnections();
    this.#registry.destroyAll();
  }

  async #apply(input: unknown): Promise<TableAck> {
    if (this.#closing) throw new SlipwayError('SLW_PROXY_SHUTTING_DOWN', 'The proxy is shutting down.');
    const table = parseTable(input);
    if (checkVersion(this.#runtime?.table, table) === 'unchanged') return this.#ack(table);
    const { host, http } = table.listen;
    const fresh = this.#listener?.matches(host, http) ? undefined : await HttpListener.bind(this.#handlers, host, http);
    let freshHttps: HttpsListener | undefined;
    try {
      freshHttps = await this.#bindHttps(table);
      await this.#store.save(table);
    } catch (err) {
      fresh?.stopAccepting();
      freshHttps?.stopAccepting();
      throw err;
    }
    this.#swap(table);
    if (fresh) this.#useListener(fresh);
    if (freshHttps) this.#useHttps(freshHttps);
    else if (table.listen.https === undefined && this.#https) {
      this.#https.stopAccepting();
      this.#https = undefined;
    }
    return this.#ack(table);
  }

  #ack(table: RoutingTable): TableAck {
    return { version: table.version, httpPort: this.#listener?.port ?? 0, ...(this.#https ? { httpsPort: this.#https.port } : {}) };
  }

  /** The one place the committed table changes: a single assignment, then its side effects. */
  #swap(table: RoutingTable): void {
    const plan = this.#registry.plan(table);
    this.#runtime = plan.runtime;
    this.#registry.commit(plan);
    this.#tls.update(table.tls ?? []);
    const targets = Object.values(table.services).reduce((n, s) => n + s.targets.length, 0);
    this.events.emit('table-applied', { version: table.version, services: plan.runtime.services.size, targets });
  }

  #useListener(fresh: HttpListener): void {
    clearTimeout(this.#retryTimer);
    this.#listenError = undefined;
    const old = this.#listener;
    this.#listener = fresh;
    old?.stopAccepting();
    this.events.emit('listening', { host: fresh.host, port: fresh.port });
  }

  /** A new HTTPS listener when the table asks for an address not bound yet. */
  async #bindHttps(table: RoutingTable): Promise<HttpsListener | undefined> {
    const { host, https } = table.listen;
    if (https === undefined || this.#https?.matches(host, https)) return undefined;
    return HttpsListener.bind(this.#httpsHandlers, this.#tls, host, https);
  }

  #useHttps(fresh: HttpsListener): void {
    const old = this.#https;
    this.#https = fresh;
    fresh.useDefault(this.#tls);
    old?.stopAccepting();
    this.events.emit('listening', { host: fresh.host, port: fresh.port });
  }

  async #bindOrRetry(host: string, port: number): Promise<void> {
    try {
      const bound = await HttpListener.bind(this.#handlers, host, port);
      // A table pushed meanwhile may have bound its own address; that one is newer.
      if (this.#listener || this.#closing) bound.stopAccepting();
      else this.#useListener(bound);
    } catch (err) {
      const error = errorText(err);
      if (error !== this.#listenError) this.events.emit('listen-failed', { host, port, error });
      this.#listenError = error;
      if (this.#closing) return;
      this.#retryTimer = setTimeout(() => {
        if (!this.#listener && !this.#closing) void this.#bindOrRetry(host, port);
      }, this.#listenRetryMs);
      this.#retryTimer.unref();
    }
  }

  #inflight(): number {
    return this.#registry.all().reduce((n, t) => n + t.inflight, 0);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
