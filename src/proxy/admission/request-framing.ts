import type { IncomingMessage } from 'node:http';

/**
 * What node's HTTP parser (strict mode) lets through but a proxy must not forward, because
 * the proxy and the app could read the request differently (request smuggling) or route it
 * by a host the app never sees. Checked on the head, before anything is forwarded; node
 * already answers 400 to Content-Length with Transfer-Encoding, duplicate Content-Length,
 * obs-fold, control bytes in fields, and malformed chunk sizes. Undefined: fine.
 */
export function framingProblem(req: IncomingMessage): string | undefined {
  if (req.httpVersionMajor !== 1 && req.httpVersionMajor !== 2) return 'unsupported HTTP version';
  // HTTP/2 arrives framed by node's http2 module (its compat request has a stream); "HTTP/2.0"
  // written in an HTTP/1 request line is not HTTP/2.
  if (req.httpVersionMajor === 2 && !('stream' in req)) return 'an HTTP/2.0 request line on an HTTP/1 connection';
  if (req.httpVersionMajor === 1 && req.httpVersionMinor !== 0 && req.httpVersionMinor !== 1) return 'unsupported HTTP version';
  const te = req.headers['transfer-encoding'];
  if (te !== undefined) {
    if (req.httpVersionMajor === 1 && req.httpVersionMinor === 0) return 'Transfer-Encoding in an HTTP/1.0 request';
    if (te.trim().toLowerCase() !== 'chunked') return 'Transfer-Encoding other than chunked';
  }
  if (req.httpVersionMajor === 1) {
    let hosts = 0;
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) if (raw[i]?.length === 4 && raw[i]?.toLowerCase() === 'host') hosts++;
    if (hosts > 1) return 'more than one Host field';
  }
  const host = req.headers.host;
  if (host !== undefined && !VALID_HOST.test(host)) return 'malformed Host field';
  const url = req.url ?? '';
  if (!url.startsWith('/') && !(url === '*' && req.method === 'OPTIONS')) return 'request target is not a path';
  return undefined;
}

/** reg-name or IPv4, or [IPv6], with an optional port (RFC 9110 §7.2 / RFC 3986). */
const VALID_HOST = /^(?:[A-Za-z0-9._~!$&'()*+,;=%-]*|\[[0-9A-Fa-f:.]+\])(?::\d{0,5})?$/;
