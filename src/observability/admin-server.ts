/**
 * The daemon's admin HTTP listener: GET /metrics (Prometheus exposition), /health/live and
 * /health/ready (JSON, 200 or 503), /discovery/targets (the apps' own metrics endpoints, in
 * Prometheus's http_sd format). Read-only and unauthenticated: bind it to loopback or a
 * private network, and/or limit it with `admin.allow` (checked on the peer address: the
 * listener believes no X-Forwarded-For).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SlipwayError } from '../errors.js';
import { AccessRule } from '../lib/address-list.js';
import type { ListenAddress } from '../lib/listen-address.js';
import type { MetricFamily } from './metric-family.js';
import { EXPOSITION_CONTENT_TYPE, renderExposition } from './prom-adapter.js';
import type { Readiness } from './readiness.js';
import type { TargetGroup } from './app-targets.js';

export interface AdminRoutes {
  readonly metrics: () => Promise<MetricFamily[]>;
  readonly readiness: () => Promise<Readiness>;
  /** Instances of services with `metrics:`, for Prometheus's http_sd_configs. */
  readonly targets: () => readonly TargetGroup[];
}

const CLOSE_GRACE_MS = 2000;

export class AdminServer {
  readonly #routes: AdminRoutes;
  readonly #server: Server;
  readonly #startedAt = Date.now();
  readonly #access: AccessRule | undefined;

  /** `allow`: client addresses (IP or CIDR) answered; others get 403. Absent: everyone. */
  constructor(routes: AdminRoutes, options: { readonly allow?: readonly string[] | undefined } = {}) {
    this.#routes = routes;
    this.#access = options.allow === undefined ? undefined : new AccessRule({ allow: options.allow });
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.keepAliveTimeout = 65_000;
  }

  /** Binds the address; the port actually bound comes back (for port 0). */
  async listen(address: ListenAddress): Promise<ListenAddress> {
    await new Promise<void>((resolve, reject) => {
      const failed = (err: NodeJS.ErrnoException): void => {
        reject(
          new SlipwayError('SLW_ADMIN_LISTEN_FAILED', `The admin listener cannot bind ${address.host}:${address.port}: ${err.code ?? err.message}.`, {
            cause: err,
          }),
        );
      };
      this.#server.once('error', failed);
      this.#server.listen(address.port, address.host, () => {
        this.#server.off('error', failed);
        resolve();
      });
    });
    const bound = this.#server.address() as AddressInfo;
    return { host: address.host, port: bound.port };
  }

  /** Stops accepting, lets scrapes in flight finish (up to 2 s), then cuts what remains. */
  async close(): Promise<void> {
    if (!this.#server.listening) return;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    const grace = sleep(CLOSE_GRACE_MS, undefined, { ref: false }).then(() => this.destroy());
    await Promise.race([closed, grace]);
    await closed;
  }

  destroy(): void {
    this.#server.closeAllConnections();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://admin').pathname;
    try {
      if (this.#access && !this.#access.permits(req.socket.remoteAddress ?? '')) return json(res, 403, { error: 'your address is not in admin.allow' });
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        return json(res, 405, { error: 'method not allowed' });
      }
      switch (path) {
        case '/metrics':
          return send(res, 200, EXPOSITION_CONTENT_TYPE, await renderExposition(await this.#routes.metrics()));
        case '/health/live':
          return json(res, 200, { status: 'live', pid: process.pid, uptimeSeconds: Math.round((Date.now() - this.#startedAt) / 1000) });
        case '/health/ready': {
          const readiness = await this.#routes.readiness();
          return json(res, readiness.ready ? 200 : 503, { status: readiness.ready ? 'ready' : 'not ready', checks: readiness.checks });
        }
        case '/discovery/targets':
          return json(res, 200, this.#routes.targets());
        default:
          return json(res, 404, { error: `no such path; try /metrics, /health/live, /health/ready or /discovery/targets` });
      }
    } catch (err) {
      const error = new SlipwayError('SLW_METRICS_FAILED', `${path} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      return json(res, 500, { error: error.toJSON() });
    }
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', `${JSON.stringify(body)}\n`);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
