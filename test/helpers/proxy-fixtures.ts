import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ProxyClient } from '../../src/proxy/client.js';
import { ProxyEvents } from '../../src/proxy/events.js';
import type { HealthCheck, RoutingTableInput } from '../../src/proxy/protocol.js';
import { runProxy, type RunningProxy } from '../../src/proxy/run.js';

export interface Upstream {
  readonly name: string;
  readonly port: number;
  readonly server: Server;
  /** Requests seen so far. */
  readonly seen: IncomingMessage[];
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, upstream: string) => void;

/** Echoes the request as JSON: { upstream, method, url, headers }. */
export const echo: Handler = (req, res, upstream) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.stringify({
      upstream,
      method: req.method,
      url: req.url,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
};

/** A real HTTP app on 127.0.0.1:0. */
export async function startUpstream(name: string, handler: Handler = echo): Promise<Upstream> {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    handler(req, res, name);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    port,
    server,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export const fastHealth: HealthCheck = { path: '/healthz', intervalMs: 50, timeoutMs: 500, rise: 2, fall: 2 };
/** Health checks that never run within a test (so only real traffic matters). */
export const idleHealth: HealthCheck = { path: '/healthz', intervalMs: 3_600_000, timeoutMs: 1000, rise: 1, fall: 1 };

export interface ServiceSpec {
  readonly targets: ReadonlyArray<{ id: string; release: string; port: number }>;
  readonly drainMs?: number;
  readonly health?: HealthCheck;
}

/** A table listening on 127.0.0.1 (port 0 unless given), one route per service unless given. */
export function makeTable(
  version: number,
  services: Record<string, ServiceSpec>,
  options: { routes?: RoutingTableInput['routes']; port?: number } = {},
): RoutingTableInput {
  return {
    version,
    listen: { host: '127.0.0.1', http: options.port ?? 0 },
    routes: options.routes ?? Object.keys(services).map((service) => ({ host: '*', path: '/', service })),
    services: Object.fromEntries(
      Object.entries(services).map(([name, s]) => [
        name,
        { health: s.health ?? idleHealth, drainMs: s.drainMs ?? 5000, targets: [...s.targets] },
      ]),
    ),
  };
}

export interface TestProxy {
  readonly stateDir: string;
  readonly client: ProxyClient;
  readonly running: RunningProxy;
  readonly events: ProxyEvents;
  stop(): Promise<void>;
}

/** A proxy in this process, on a fresh state dir, driven through its real control socket. */
export async function startTestProxy(options: { upstreamTimeoutMs?: number; stateDir?: string } = {}): Promise<TestProxy> {
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'slipway-proxy-')));
  const events = new ProxyEvents();
  const running = await runProxy({
    stateDir,
    events,
    ...(options.upstreamTimeoutMs === undefined ? {} : { upstreamTimeoutMs: options.upstreamTimeoutMs }),
  });
  return {
    stateDir,
    events,
    running,
    client: new ProxyClient(running.paths.socket),
    async stop() {
      await running.stop(100);
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
