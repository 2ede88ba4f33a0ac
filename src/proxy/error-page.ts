import type { ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { ServerHttp2Stream } from 'node:http2';

/** http2.constants.NGHTTP2_NO_ERROR (RFC 9113 §7), written out so that plain-HTTP proxies do not load node:http2. */
const NGHTTP2_NO_ERROR = 0x0;
import { markClosing } from './closing-connections.js';
import { noteOf } from './response-policy/access-log.js';
import { PROXY_PAGE_HEADERS } from './response-policy/headers.js';

/** The statuses the proxy answers by itself. */
export type ProxyErrorStatus = 400 | 401 | 403 | 404 | 405 | 413 | 429 | 431 | 501 | 502 | 503 | 504;

const EXPLANATIONS: Readonly<Record<ProxyErrorStatus, string>> = {
  400: 'The request could not be understood.',
  401: 'This address needs a user name and password.',
  403: 'Requests from your network address are not allowed here.',
  405: 'This method is not allowed here.',
  413: 'The request body is larger than this server accepts.',
  431: 'The request has more header fields than this server accepts.',
  501: 'This method is not supported here.',
  429: 'Too many requests from this address; slow down and try again shortly.',
  404: 'No application is configured for this address.',
  502: 'The application did not answer this request properly.',
  503: 'No healthy instance of the application is available right now.',
  504: 'The application took too long to answer.',
};

/** True when the Accept header ranks application/json above text/html. */
export function prefersJson(accept: string | undefined): boolean {
  if (!accept) return false;
  let json = 0;
  let html = 0;
  for (const part of accept.split(',')) {
    const [rawType = '', ...params] = part.split(';');
    const type = rawType.trim().toLowerCase();
    const q = qValue(params);
    if (type === 'application/json' || type.endsWith('+json')) json = Math.max(json, q);
    else if (type === 'text/html') html = Math.max(html, q);
    else if (type === 'application/*') json = Math.max(json, q * 0.99);
    else if (type === 'text/*') html = Math.max(html, q * 0.99);
    else if (type === '*/*') html = Math.max(html, q * 0.98);
  }
  return json > html;
}

function qValue(params: string[]): number {
  for (const p of params) {
    const [k, v] = p.split('=');
    if (k?.trim() === 'q' && v !== undefined) {
      const q = Number(v.trim());
      return Number.isFinite(q) ? q : 1;
    }
  }
  return 1;
}

/** Writes a small error page (HTML, or JSON when preferred) carrying the request id. */
export function sendErrorPage(
  res: ServerResponse,
  status: ProxyErrorStatus,
  requestId: string,
  accept: string | undefined,
  options: {
    close?: boolean;
    /** Security headers of the service the page answers for (default: the strict set, for requests no service claims). */
    headers?: Readonly<Record<string, string>>;
    /** Headers that go with the status (Retry-After, WWW-Authenticate). */
    extraHeaders?: Readonly<Record<string, string>>;
  } = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const stream = http2StreamOf(res);
  if (options.close && !stream) markClosing(res.req?.socket);
  const title = STATUS_CODES[status] ?? 'Error';
  const message = EXPLANATIONS[status];
  const json = prefersJson(accept);
  const body = json
    ? JSON.stringify({ error: { status, title, message, requestId } })
    : html(status, title, message, requestId);
  const note = noteOf(res);
  if (note) note.bytes = res.req?.method === 'HEAD' ? 0 : Buffer.byteLength(body);
  res.writeHead(status, {
    ...(options.headers ?? PROXY_PAGE_HEADERS),
    'content-type': json ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-request-id': requestId,
    ...options.extraHeaders,
    ...(options.close && !stream ? { connection: 'close' } : {}),
  });
  res.end(res.req?.method === 'HEAD' ? undefined : body, () => {
    // HTTP/2 has no Connection header: once the whole answer is out, RST_STREAM with NO_ERROR
    // tells the client to stop sending the rest of its body (RFC 9113 §8.1), on this stream only.
    if (options.close && stream && !res.req?.complete && !stream.closed) stream.close(NGHTTP2_NO_ERROR);
  });
}

/** The HTTP/2 stream under node's compat response (typed as ServerResponse where the handlers get it), if any. */
function http2StreamOf(res: ServerResponse): ServerHttp2Stream | undefined {
  return res.req?.httpVersionMajor === 2 ? (res as { stream?: ServerHttp2Stream }).stream : undefined;
}

function html(status: number, title: string, message: string, requestId: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${status} ${title}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}code{color:#555}</style>
</head><body><h1>${status} ${title}</h1><p>${message}</p>
<p>Request id: <code>${escapeHtml(requestId)}</code></p></body></html>
`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
