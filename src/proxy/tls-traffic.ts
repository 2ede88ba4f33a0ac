import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RoutingTable, TlsEntry } from './protocol.js';
import type { TlsContexts } from './tls-contexts.js';

const CHALLENGE_PREFIX = '/.well-known/acme-challenge/';

/**
 * Before routing plain HTTP: ACME HTTP-01 answers from the table, then a 308 to https for
 * hosts whose certificate entry asks for it (only while an HTTPS port is bound).
 */
export function httpIntercept(
  table: () => RoutingTable | undefined,
  contexts: TlsContexts,
  httpsPort: () => number | undefined,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith(CHALLENGE_PREFIX)) {
      const answer = table()?.challenges?.[url.slice(CHALLENGE_PREFIX.length)];
      if (answer === undefined) return false;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': Buffer.byteLength(answer) });
      res.end(answer);
      return true;
    }
    const location = httpsRedirect(req, contexts, httpsPort());
    if (location === undefined) return false;
    res.writeHead(308, { location, 'content-length': 0, connection: req.method === 'GET' || req.method === 'HEAD' ? 'keep-alive' : 'close' });
    res.end();
    return true;
  };
}

/**
 * Where a plain-HTTP request to a host whose certificate entry asks for it is sent (its
 * target as sent, on the HTTPS port); undefined when it stays on plain HTTP. Requests and
 * websocket upgrades alike: an upgrade is never tunnelled past the redirect.
 */
export function httpsRedirect(req: IncomingMessage, contexts: TlsContexts, port: number | undefined): string | undefined {
  const host = hostOnly(req.headers.host);
  if (port === undefined || host === '' || !contexts.entryFor(host)?.redirectHttp) return undefined;
  const authority = port === 443 ? host : `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return `https://${authority}${req.url ?? '/'}`;
}

/** On HTTPS: Strict-Transport-Security where the host's certificate entry sets a max-age. */
export function httpsIntercept(contexts: TlsContexts): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const entry = contexts.entryFor(hostOnly(req.headers.host));
    if (entry?.hstsMaxAge !== undefined) res.setHeader('strict-transport-security', hstsValue(entry));
    return false;
  };
}

/** "max-age=31536000; includeSubDomains; preload" (RFC 6797 §6.1). */
export function hstsValue(entry: Pick<TlsEntry, 'hstsMaxAge' | 'hstsIncludeSubDomains' | 'hstsPreload'>): string {
  return `max-age=${entry.hstsMaxAge ?? 0}${entry.hstsIncludeSubDomains ? '; includeSubDomains' : ''}${entry.hstsPreload ? '; preload' : ''}`;
}

/** The Host header without its port, lower-cased ("[::1]:8443" → "::1"). */
export function hostOnly(host: string | undefined): string {
  const h = (host ?? '').toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  const colon = h.lastIndexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}
