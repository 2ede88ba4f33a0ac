import type { IncomingMessage } from 'node:http';
import type { Server as NetServer, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SlipwayError } from '../errors.js';
import { Admission } from './admission/admission.js';
import { DEFAULT_LIMITS } from './admission/limits.js';
import { ProxyEvents } from './events.js';
import { HttpListener } from './http-listener.js';
import { HttpsListener } from './https-listener.js';
import { TlsContexts } from './tls-contexts.js';
import { httpIntercept, httpsIntercept, httpsRedirect } from './tls-traffic.js';
import type { ProxyStatus, RoutingTable, TableAck } from './protocol.js';
import type { RuntimeTable } from './runtime-table.js';
import { AccessLog, type AccessLogOptions } from './response-policy/access-log.js';
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
  /** Client buckets kept per rate-limit zone at most (default 50,000). */
  readonly rateLimitBucketCap?: number;
  /** Where the access log goes (<stateDir>/proxy/access.log); absent: none. The table's `accessLog: false` turns it off. */
  readonly accessLogPath?: string;
  readonly accessLog?: Omit<AccessLogOptions, 'onError'>;
}

/** A listening socket of this proxy, as handed to the next proxy process on a restart. */
export interface ListenerHandle {
  readonly role: 'http' | 'https';
  readonly host: string;
  readonly requestedPort: number;
  readonly server: NetServer;
}

/** A listening socket received from the previous proxy process, with the connections it accepted meanwhile. */
export interface AdoptedListener extends ListenerHandle {
  readonly pending: Socket[];
}

/** After a handover, a kept connection idle this long is closed (its client has moved on). */
const RETIRED_IDLE_MS = 1000;

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
  readonly #admission: Admission;
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
  #accessLog: AccessLog | undefined;
  /** Set once the listeners were handed to a new proxy process: table pushes go there. */
  #successor: ((input: unknown) => Promise<TableAck>) | undefined;

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
    this.#accessLog = accessLogOf(options, this.events, (req) => this.#admission.clientAddress(req));
    const accessLog = (): AccessLog | undefined => (this.#runtime?.table.accessLog === false ? undefined : this.#accessLog);
    const intercept = httpIntercept(() => this.#runtime?.table, this.#tls, () => this.#https?.port);
    const upgradeRedirect = (req: IncomingMessage): string | undefined => httpsRedirect(req, this.#tls, this.#https?.port);
    const admission = new Admission({
      defaults: { ...DEFAULT_LIMITS, upstreamTimeoutMs },
      ...(options.rateLimitBucketCap === undefined ? {} : { bucketCap: options.rateLimitBucketCap }),
    });
    this.#admission = admission;
    this.#handlers = { ...trafficHandlers({ current, upstreamTimeoutMs, connectTimeoutMs, intercept, upgradeRedirect, admission, accessLog }), refused: (status: number) => admission.countRefused(status) };
    this.#httpsHandlers = trafficHandlers({ current, upstreamTimeoutMs, connectTimeoutMs, proto: 'https', intercept: httpsIntercept(this.#tls), admission, accessLog });
  }

  /**
   * Restores the saved table, if any, and starts serving it: on the listening sockets handed
   * over by the previous proxy process when there are (`adopted`), else on newly bound ones.
   */
  async start(adopted: readonly AdoptedListener[] = []): Promise<void> {
    let table: RoutingTable | undefined;
    try {
      table = await this.#store.load();
    } catch (err) {
      this.events.emit('table-load-failed', { path: this.#store.path, error: errorText(err) });
    }
    const adoptedHttp = adopted.find((l) => l.role === 'http');
    const adoptedHttps = adopted.find((l) => l.role === 'https');
    if (!table) {
      for (const l of adopted) l.server.close();
      return;
    }
    this.#swap(table);
    if (adoptedHttp) {
      const listener = HttpListener.adopt(this.#handlers, adoptedHttp.server, adoptedHttp.pending, adoptedHttp.host, adoptedHttp.requestedPort);
      if (listener.matches(table.listen.host, table.listen.http)) this.#useListener(listener);
      else listener.stopAccepting();
    }
    if (!this.#listener) await this.#bindOrRetry(table.listen.host, table.listen.http);
    const { host, https } = table.listen;
    if (adoptedHttps) {
      const listener = HttpsListener.adopt(this.#httpsHandlers, this.#tls, adoptedHttps.server, adoptedHttps.pending, adoptedHttps.host, adoptedHttps.requestedPort);
      if (https !== undefined && listener.matches(host, https)) this.#useHttps(listener);
      else listener.stopAccepting();
    }
    if (https !== undefined && !this.#https) {
      await HttpsListener.bind(this.#httpsHandlers, this.#tls, host, https).then(
        (bound) => this.#useHttps(bound),
        (err: unknown) => this.events.emit('listen-failed', { host, port: https, error: errorText(err) }),
      );
    }
  }

  table(): RoutingTable | undefined {
    return this.#runtime?.table;
  }

  /** The listening sockets, for a handover to a new proxy process. */
  listenerHandles(): ListenerHandle[] {
    const handles: ListenerHandle[] = [];
    const http = this.#listener;
    if (http) handles.push({ role: 'http', host: http.host, requestedPort: http.requestedPort, server: http.listeningServer });
    const https = this.#https;
    if (https) handles.push({ role: 'https', host: https.host, requestedPort: https.requestedPort, server: https.listeningServer });
    return handles;
  }

  /** Runs `fn` with table changes held back (a handover must not race a table push). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * The listeners now belong to a new proxy process: stop accepting (the sockets stay open
   * there), send later table pushes to it, and drain what this process still serves, for at
   * most `graceMs`: requests in flight, websockets, kept-alive connections (closed once idle).
   */
  retire(successor: (input: unknown) => Promise<TableAck>, graceMs = this.drainWindowMs()): Promise<void> {
    this.#successor = successor;
    clearTimeout(this.#retryTimer);
    this.#listener?.retire();
    this.#https?.retire();
    this.#closing ??= this.#drainRetired(graceMs);
    return this.#closing;
  }

  async #drainRetired(graceMs: number): Promise<void> {
    const listener = this.#listener;
    const https = this.#https;
    const deadline = Date.now() + graceMs;
    const busy = (): boolean =>
      this.#inflight() > 0 || this.#websockets() > 0 || (listener?.connectionCount() ?? 0) > 0 || (https?.connectionCount() ?? 0) > 0;
    while (busy() && Date.now() < deadline) {
      await sleep(50);
      listener?.closeIdleSince(RETIRED_IDLE_MS);
      https?.closeIdleSince(RETIRED_IDLE_MS);
    }
    this.#tls.close();
    listener?.closeAllConnections();
    https?.closeAllConnections();
    this.#registry.destroyAll();
    await this.#accessLog?.close();
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
      ...this.#admission.stats(),
      ...(this.#accessLog ? { accessLogDropped: this.#accessLog.dropped } : {}),
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
    await this.#accessLog?.close();
  }

  async #apply(input: unknown): Promise<TableAck> {
    if (this.#successor) return this.#successor(input);
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
    await this.#tls.ready(); // TLS-ALPN-01 answers are ready before the daemon tells the CA to look
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
    this.#tls.update(table.tls ?? [], table.alpnChallenges);
    this.#admission.update(table);
    this.#listener?.applyLimits(this.#admission.limits);
    this.#https?.applyLimits(this.#admission.limits);
    const targets = Object.values(table.services).reduce((n, s) => n + s.targets.length, 0);
    this.events.emit('table-applied', { version: table.version, services: plan.runtime.services.size, targets });
  }

  #useListener(fresh: HttpListener): void {
    clearTimeout(this.#retryTimer);
    this.#listenError = undefined;
    const old = this.#listener;
    this.#listener = fresh;
    fresh.applyLimits(this.#admission.limits);
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
    fresh.applyLimits(this.#admission.limits);
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

  #websockets(): number {
    return this.#registry.all().reduce((n, t) => n + t.tunnels.size, 0);
  }
}

function accessLogOf(options: ProxyServerOptions, events: ProxyEvents, clientOf: (req: IncomingMessage) => string): AccessLog | undefined {
  const path = options.accessLogPath;
  if (path === undefined) return undefined;
  return new AccessLog(path, { ...options.accessLog, clientOf, onError: (err) => events.emit('access-log-failed', { path, error: err.message }) });
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
