import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { withoutHopByHop } from './hop-by-hop.js';

/** An incoming X-Request-Id is kept when it is short and plain; anything else is replaced. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@+=\/-]{1,128}$/;

export function requestIdFor(incoming: string | string[] | undefined): string {
  if (typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming)) return incoming;
  return randomUUID();
}

export interface ForwardContext {
  readonly requestId: string;
  /** "http" or "https": the scheme the client used to reach this proxy. */
  readonly proto: string;
}

/**
 * Request headers for the upstream: end-to-end fields as received (Host kept), plus
 * X-Forwarded-For (client address appended), X-Forwarded-Proto and X-Forwarded-Host
 * (replaced: this proxy is the edge, so what the client claims about them is not kept),
 * and X-Request-Id.
 */
export function forwardHeaders(req: IncomingMessage, ctx: ForwardContext): Record<string, string | string[]> {
  const headers = withoutHopByHop(req.headers);
  for (const name of Object.keys(headers)) if (name.startsWith(':')) delete headers[name]; // HTTP/2 pseudo-headers
  const client = clientAddress(req);
  const prior = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${prior}, ${client}` : client;
  headers['x-forwarded-proto'] = ctx.proto;
  const host = req.headers.host;
  if (host !== undefined) headers['x-forwarded-host'] = host;
  else delete headers['x-forwarded-host'];
  headers['x-request-id'] = ctx.requestId;
  return headers;
}

/** The peer address without the IPv4-mapped IPv6 prefix. */
export function clientAddress(req: IncomingMessage): string {
  const addr = req.socket.remoteAddress ?? '';
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}
