/**
 * Wires the dashboard to the daemon. Its code (src/dashboard/) loads only when the daemon's
 * config has `dashboard:` (or when `slipway dashboard token` is run): a daemon without it
 * pays nothing. The dashboard reads and acts through the control socket, as the CLI does.
 */
import { existsSync } from 'node:fs';
import { loadConfig } from './config-checker.js';
import type { DashboardSpec } from '../config/model.js';
import { SlipwayError, toSlipwayError } from '../errors.js';
import { formatListenAddress } from '../lib/listen-address.js';
import type { ProxyStatus } from '../proxy/protocol.js';
import type { RequestOf, ResponseOf } from '../api/schemas.js';
import type { AuthStore } from '../dashboard/auth-store.js';
import type { DashboardServer } from '../dashboard/dashboard-server.js';
import type { EventFeed } from '../dashboard/event-feed.js';
import type { TrafficHistory } from '../dashboard/traffic-history.js';

export interface DashboardWiringOptions {
  readonly stateDir: string;
  readonly configFile: string | undefined;
  readonly env: string | undefined;
  readonly socketPath: string;
  /** The proxy's status with every project's services (`project/service`); undefined when it does not answer. */
  readonly proxyStatus: () => Promise<ProxyStatus | undefined>;
  readonly warn: (message: string) => void;
}

export class DashboardWiring {
  readonly #o: DashboardWiringOptions;
  #auth: Promise<AuthStore> | undefined;
  #server: DashboardServer | undefined;
  #feed: EventFeed | undefined;
  #traffic: TrafficHistory | undefined;
  #sampler: NodeJS.Timeout | undefined;
  #intervalMs = 0;
  /** "host:port" bound, when the dashboard is on. */
  address: string | undefined;

  constructor(o: DashboardWiringOptions) {
    this.#o = o;
  }

  /** Starts the listener and the traffic sampler when the daemon's config has `dashboard:`. */
  async start(daemon: { pid: number; startedAt: string }): Promise<void> {
    const spec = await this.#spec();
    if (!spec) return;
    const [{ DashboardServer }, { EventFeed }, { TrafficHistory, TRAFFIC_INTERVAL_MS }, { ApiClient }] = await Promise.all([
      import('../dashboard/dashboard-server.js'),
      import('../dashboard/event-feed.js'),
      import('../dashboard/traffic-history.js'),
      import('../api/client.js'),
    ]);
    const traffic = (this.#traffic = new TrafficHistory());
    this.#intervalMs = TRAFFIC_INTERVAL_MS;
    const sample = async (): Promise<void> => traffic.record(await this.#o.proxyStatus().catch(() => undefined));
    await sample();
    this.#sampler = setInterval(() => void sample(), TRAFFIC_INTERVAL_MS).unref();
    this.#feed = new EventFeed(this.#o.socketPath);
    this.#server = new DashboardServer({ api: new ApiClient(this.#o.socketPath), auth: await this.auth(), feed: this.#feed, daemon });
    this.address = formatListenAddress(await this.#server.listen(spec.listen.host, spec.listen.port));
  }

  /** The token and sessions (loaded on first use: `slipway dashboard token` works with the dashboard off too). */
  auth(): Promise<AuthStore> {
    this.#auth ??= import('../dashboard/auth-store.js').then(({ AuthStore }) => AuthStore.open(this.#o.stateDir));
    return this.#auth;
  }

  async rotateToken(): Promise<ResponseOf<'dashboard.token'>> {
    return (await this.auth()).rotate();
  }

  traffic(req: RequestOf<'traffic'>): ResponseOf<'traffic'> {
    if (!this.#traffic) throw new SlipwayError('SLW_DASHBOARD_OFF', 'The daemon keeps no traffic history: its config has no dashboard section.');
    return { intervalMs: this.#intervalMs, releases: this.#traffic.releases(req) };
  }

  async close(): Promise<void> {
    clearInterval(this.#sampler);
    this.#feed?.close();
    await this.#server?.close();
  }

  /** A config that does not load leaves the dashboard off (with a warning), never the daemon down. */
  async #spec(): Promise<DashboardSpec | undefined> {
    const file = this.#o.configFile;
    if (!file || !existsSync(file)) return undefined;
    try {
      return (await loadConfig({ file, ...(this.#o.env ? { env: this.#o.env } : {}) })).dashboard;
    } catch (err) {
      this.#o.warn(`dashboard off: ${toSlipwayError(err).message}`);
      return undefined;
    }
  }
}
