import type { Limits } from '../protocol.js';
import { DEFAULT_LIMITS, type RequestLimits } from './limit-defaults.js';

/** Every request limit with a value: the table's, else the defaults (limit-defaults.ts). */
export type EffectiveLimits = RequestLimits;

export { DEFAULT_LIMITS };

/** `fallback`: the proxy's own defaults (a ProxyServer option may change the upstream timeout). */
export function effectiveLimits(table: Limits | undefined, fallback: EffectiveLimits = DEFAULT_LIMITS): EffectiveLimits {
  return {
    bodyBytes: table?.bodyBytes ?? fallback.bodyBytes,
    headerBytes: table?.headerBytes ?? fallback.headerBytes,
    headerTimeoutMs: table?.headerTimeoutMs ?? fallback.headerTimeoutMs,
    idleTimeoutMs: table?.idleTimeoutMs ?? fallback.idleTimeoutMs,
    upstreamTimeoutMs: table?.upstreamTimeoutMs ?? fallback.upstreamTimeoutMs,
    maxConnections: table?.maxConnections ?? fallback.maxConnections,
  };
}

/** The server fields node reads for new connections and its periodic timeout check. */
export interface LimitableServer {
  maxHeaderSize?: number;
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  maxConnections: number;
  maxHeadersCount?: number | null;
}

/**
 * Applies the limits to a node HTTP server. Node reads maxHeaderSize when a connection opens
 * (so a new value applies to new connections), and checks the header and request timeouts
 * every `CONNECTION_CHECK_MS`.
 */
export function applyServerLimits(server: LimitableServer, limits: EffectiveLimits): void {
  server.maxHeaderSize = limits.headerBytes;
  server.headersTimeout = limits.headerTimeoutMs;
  // The whole request (head and body) may take the longer of 5 minutes (node's default) and the header timeout.
  server.requestTimeout = Math.max(REQUEST_TIMEOUT_MS, limits.headerTimeoutMs);
  server.keepAliveTimeout = limits.idleTimeoutMs;
  server.maxConnections = limits.maxConnections;
  server.maxHeadersCount = MAX_HEADERS_COUNT;
}

const REQUEST_TIMEOUT_MS = 300_000;
/** Header fields node's HTTP/1 parser keeps (it drops the rest); a request reaching it is refused (431). */
export const MAX_HEADERS_COUNT = 2000;
/** How often node looks for connections past their header or request timeout. */
export const CONNECTION_CHECK_MS = 250;

/** The raw answer to a connection-level error (before a response exists), or undefined to just close. */
export function clientErrorResponse(code: string | undefined): string | undefined {
  if (code === 'ECONNRESET') return undefined;
  const status =
    code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
  return `HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`;
}
