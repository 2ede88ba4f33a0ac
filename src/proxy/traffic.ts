import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Admission } from './admission/admission.js';
import { admitRequest, admitUpgrade } from './admission/admit-request.js';
import { sendErrorPage } from './error-page.js';
import type { AccessLog } from './response-policy/access-log.js';
import { forward } from './forwarder.js';
import { forwardHeaders, requestIdFor } from './forward-headers.js';
import { assignRelease } from './release-split.js';
import { heldByMaintenance, refuseMaintenanceUpgrade, sendMaintenancePage } from './maintenance.js';
import type { TrafficHandlers } from './http-listener.js';
import type { Route } from './protocol.js';
import type { RuntimeTable } from './runtime-table.js';
import { isClosing } from './closing-connections.js';
import { normaliseTarget, type NormalisedTarget } from './request-path.js';
import { applyHeaderPolicy, headerPolicyFor } from './response-policy/headers.js';
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
  /** Where a websocket upgrade must go instead (the HTTPS redirect of plain HTTP); undefined: it stays. */
  readonly upgradeRedirect?: (req: IncomingMessage) => string | undefined;
  /** The access log while it is on (src/proxy/response-policy/access-log.ts). */
  readonly accessLog?: () => AccessLog | undefined;
  /** Framing checks, limits, rate limits and basic auth, before anything is relayed (src/proxy/admission/). */
  readonly admission: Admission;
}

/** Client traffic: route each request (or websocket upgrade) by host and path, then relay it. */
export function trafficHandlers(options: TrafficOptions): TrafficHandlers {
  return {
    request(req: IncomingMessage, res: ServerResponse): void {
      if (isClosing(req.socket)) return; // pipelined behind a refusal: the connection ends with it
      const note = options.accessLog?.()?.observe(req, res, options.proto ?? 'http');
      if (options.intercept?.(req, res)) return;
      const requestId = requestIdFor(req.headers['x-request-id']);
      const refusedMethod = METHOD_REFUSALS[req.method ?? ''];
      if (refusedMethod) {
        options.admission.countRefused(refusedMethod.status);
        sendErrorPage(res, refusedMethod.status, requestId, req.headers.accept, { close: true, extraHeaders: refusedMethod.headers });
        return;
      }
      const runtime = options.current();
      const target = normaliseTarget(req.url ?? '/');
      const route = routeOf(runtime, req, target);
      if (note) {
        note.requestId = requestId;
        note.service = route?.service;
      }
      admitRequest(options.admission, req, res, requestId, route, (admitted) => {
        const service = route && runtime?.services.get(route.service);
        if (!service) {
          sendErrorPage(res, 404, requestId, req.headers.accept);
          return;
        }
        if (heldByMaintenance(service.config, admitted.client)) {
          sendMaintenancePage(res, requestId, req.headers.accept, service.config.maintenance?.message);
          return;
        }
        const headers = forwardHeaders(req, { requestId, proto: options.proto ?? 'http' });
        if (admitted.stripAuthorization) delete headers['authorization'];
        const { release, setCookie } = assignRelease(service.config, req.headers);
        forward({ req, res, service, requestId, headers, release, setCookie, admitted, path: pathOf(target, req) });
      }, target.ok);
    },

    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
      socket.on('error', () => socket.destroy());
      const requestId = requestIdFor(req.headers['x-request-id']);
      const note = options.accessLog?.()?.observeUpgrade(req, socket, options.proto ?? 'http');
      if (note) note.requestId = requestId;
      if (req.headers.upgrade?.toLowerCase() !== 'websocket') {
        refuse(socket, 400, requestId);
        return;
      }
      const location = options.upgradeRedirect?.(req);
      if (location !== undefined) {
        refuse(socket, 308, requestId, location);
        return;
      }
      const runtime = options.current();
      const requestTarget = normaliseTarget(req.url ?? '/');
      const route = routeOf(runtime, req, requestTarget);
      if (note) note.service = route?.service;
      admitUpgrade(options.admission, req, socket, requestId, route, (admitted) => {
        const service = route && runtime?.services.get(route.service);
        if (service && heldByMaintenance(service.config, admitted.client)) {
          refuseMaintenanceUpgrade(socket, requestId, service.config.maintenance?.message);
          return;
        }
        const target = service?.pick(undefined, service && assignRelease(service.config, req.headers).release);
        if (!target) {
          refuse(socket, service ? 503 : 404, requestId);
          return;
        }
        if (note) note.release = target.release;
        openTunnel(req, socket, head, target, {
          requestId,
          path: pathOf(requestTarget, req),
          ...(service ? { decorate: (out: Record<string, string | string[]>) => applyHeaderPolicy(headerPolicyFor(service.policy.headers, pathOf(requestTarget, req)), out) } : {}),
          headers: upgradeHeaders(req, requestId, options.proto ?? 'http', admitted.stripAuthorization),
          connectTimeoutMs: options.connectTimeoutMs,
          responseTimeoutMs: options.admission.limits.upstreamTimeoutMs,
        });
      }, requestTarget.ok);
    },
  };
}

/**
 * Methods answered by the proxy itself: TRACE would echo the request (its credentials and
 * cookies) back through the app (405), and CONNECT asks for a tunnel this gateway never opens (501).
 */
const METHOD_REFUSALS: Readonly<Record<string, { status: 405 | 501; headers: Readonly<Record<string, string>> }>> = {
  TRACE: { status: 405, headers: { allow: 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS' } },
  CONNECT: { status: 501, headers: {} },
};

function upgradeHeaders(req: IncomingMessage, requestId: string, proto: string, stripAuthorization: boolean): Record<string, string | string[]> {
  const headers = forwardHeaders(req, { requestId, proto });
  if (stripAuthorization) delete headers['authorization'];
  return headers;
}

/** Routing (and with it every route policy) sees the normalised path only; none when it was refused. */
function routeOf(runtime: RuntimeTable | undefined, req: IncomingMessage, target: NormalisedTarget): Route | undefined {
  return target.ok ? runtime?.router.match(req.headers.host ?? '', target.matchPath) : undefined;
}

/** What the app receives: the normalised path and the query as sent. */
function pathOf(target: NormalisedTarget, req: IncomingMessage): string {
  return target.ok ? target.target : (req.url ?? '/');
}
