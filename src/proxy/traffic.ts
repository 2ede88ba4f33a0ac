import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { sendErrorPage } from './error-page.js';
import { forward } from './forwarder.js';
import { forwardHeaders, requestIdFor } from './forward-headers.js';
import { assignRelease } from './release-split.js';
import type { TrafficHandlers } from './http-listener.js';
import type { RuntimeTable, ServiceRuntime } from './runtime-table.js';
import { openTunnel, refuse } from './websocket-tunnel.js';

export interface TrafficOptions {
  /** The committed table at the moment of the call (read once per request). */
  readonly current: () => RuntimeTable | undefined;
  readonly upstreamTimeoutMs: number;
  readonly connectTimeoutMs: number;
  /** The scheme clients used to reach this listener (X-Forwarded-Proto); default "http". */
  readonly proto?: 'http' | 'https';
  /** Answers a request before routing (ACME challenge, redirect to https) or decorates the response; true: answered. */
  readonly intercept?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

/** Client traffic: route each request (or websocket upgrade) by host and path, then relay it. */
export function trafficHandlers(options: TrafficOptions): TrafficHandlers {
  return {
    request(req: IncomingMessage, res: ServerResponse): void {
      if (options.intercept?.(req, res)) return;
      const requestId = requestIdFor(req.headers['x-request-id']);
      const service = resolve(options.current(), req);
      if (!service) {
        sendErrorPage(res, 404, requestId, req.headers.accept);
        return;
      }
      const headers = forwardHeaders(req, { requestId, proto: options.proto ?? 'http' });
      const { release, setCookie } = assignRelease(service.config, req.headers);
      forward({ req, res, service, requestId, headers, release, setCookie });
    },

    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
      socket.on('error', () => socket.destroy());
      const requestId = requestIdFor(req.headers['x-request-id']);
      if (req.headers.upgrade?.toLowerCase() !== 'websocket') {
        refuse(socket, 400, requestId);
        return;
      }
      const service = resolve(options.current(), req);
      const target = service?.pick(undefined, service && assignRelease(service.config, req.headers).release);
      if (!target) {
        refuse(socket, service ? 503 : 404, requestId);
        return;
      }
      openTunnel(req, socket, head, target, {
        requestId,
        headers: forwardHeaders(req, { requestId, proto: options.proto ?? 'http' }),
        connectTimeoutMs: options.connectTimeoutMs,
        responseTimeoutMs: options.upstreamTimeoutMs,
      });
    },
  };
}

function resolve(runtime: RuntimeTable | undefined, req: IncomingMessage): ServiceRuntime | undefined {
  if (!runtime) return undefined;
  const route = runtime.router.match(req.headers.host ?? '', req.url ?? '/');
  return route && runtime.services.get(route.service);
}
