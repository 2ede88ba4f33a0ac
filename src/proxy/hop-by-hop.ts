import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/**
 * Fields that describe one connection, not the message (RFC 9110 §7.6.1), removed in both
 * directions: Connection and every field it names, plus the ones the RFC lists as known to
 * need removal. Proxy-Authorization / Proxy-Authenticate are for a proxy the client chose;
 * this gateway consumes neither, so it does not relay them to the app or back.
 * Expect is removed too (node:http already answered "100-continue" to the client), and so is
 * Trailer (trailers are not relayed).
 */
const ALWAYS = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'te',
  'transfer-encoding',
  'upgrade',
  'trailer',
  'proxy-authorization',
  'proxy-authenticate',
  'expect',
  'http2-settings',
]);

/** Names listed in Connection header values, lower-cased. */
export function connectionOptions(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const joined = Array.isArray(value) ? value.join(',') : value;
  const names = new Set<string>();
  for (const part of joined.split(',')) {
    const name = part.trim().toLowerCase();
    if (name.length > 0) names.add(name);
  }
  return names;
}

/**
 * Never removed because Connection names them: the target's Host (`Connection: close, host`
 * would otherwise forward a request without one, routed by a host the app never sees).
 */
const END_TO_END = new Set(['host']);

export function isHopByHop(name: string, listed: Set<string> | undefined): boolean {
  return ALWAYS.has(name) || (listed !== undefined && listed.has(name) && !END_TO_END.has(name));
}

/**
 * A copy of `headers` (lower-case names, as node:http and undici give them) without
 * hop-by-hop fields. Undefined values are dropped.
 */
export function withoutHopByHop(headers: IncomingHttpHeaders): OutgoingHttpHeaders & Record<string, string | string[]> {
  const listed = connectionOptions(headers.connection);
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || isHopByHop(name, listed)) continue;
    out[name] = value;
  }
  return out;
}
