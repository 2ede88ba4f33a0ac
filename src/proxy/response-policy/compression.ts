import type { IncomingHttpHeaders } from 'node:http';
import type { BrotliCompress, Gzip } from 'node:zlib';

type Headers = Record<string, string | string[]>;

export type Encoding = 'br' | 'gzip';

/** Responses declared shorter than this are sent as they are (the framing would eat the gain). */
export const MIN_COMPRESS_BYTES = 1024;

/** Brotli at a fast level: better ratio than gzip's default at a similar CPU cost. */
const BROTLI_QUALITY = 4;

const TEXT_TYPES = new Set([
  'application/json',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'application/xml',
  'application/wasm',
  'font/ttf',
  'font/otf',
]);

/**
 * Whether a media type is worth compressing: text, JSON, JavaScript, XML (SVG, feeds), wasm and
 * uncompressed fonts. Never event streams (each event must go out at once) nor types that are
 * compressed already (images, video, archives, woff2).
 */
export function isCompressibleType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const semi = contentType.indexOf(';');
  const type = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (type.startsWith('text/')) return type !== 'text/event-stream';
  return TEXT_TYPES.has(type) || type.endsWith('+json') || type.endsWith('+xml');
}

/**
 * The coding to use for a client's Accept-Encoding: br when its q-value is at least gzip's,
 * else gzip; none when neither is acceptable (q=0, or not listed and no "*").
 */
export function negotiateEncoding(acceptEncoding: string | string[] | undefined): Encoding | undefined {
  if (acceptEncoding === undefined) return undefined;
  const text = Array.isArray(acceptEncoding) ? acceptEncoding.join(',') : acceptEncoding;
  let br: number | undefined;
  let gzip: number | undefined;
  let star: number | undefined;
  for (const part of text.split(',')) {
    const [rawName = '', ...params] = part.split(';');
    const name = rawName.trim().toLowerCase();
    if (name !== 'br' && name !== 'gzip' && name !== 'x-gzip' && name !== '*') continue;
    const q = qOf(params);
    if (name === 'br') br = Math.max(br ?? 0, q);
    else if (name === '*') star = q;
    else gzip = Math.max(gzip ?? 0, q);
  }
  const qBr = br ?? star ?? 0;
  const qGzip = gzip ?? star ?? 0;
  if (qBr > 0 && qBr >= qGzip) return 'br';
  return qGzip > 0 ? 'gzip' : undefined;
}

function qOf(params: string[]): number {
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq !== -1 && p.slice(0, eq).trim().toLowerCase() === 'q') {
      const q = Number(p.slice(eq + 1).trim());
      return Number.isFinite(q) ? Math.min(Math.max(q, 0), 1) : 0;
    }
  }
  return 1;
}

export interface CompressionRequest {
  readonly method?: string | undefined;
  readonly headers: IncomingHttpHeaders;
}

/**
 * Decides whether to compress one response and, if so, rewrites its head: Content-Encoding
 * set, Content-Length dropped (the body becomes chunked), a strong ETag weakened (the bytes
 * differ from the app's). Vary: Accept-Encoding is added to every response that could have
 * been compressed, so that caches keep the variants apart. Returns the coding, or undefined to
 * relay the body unchanged.
 */
export function prepareCompression(req: CompressionRequest, status: number, headers: Headers): Encoding | undefined {
  if (!eligible(req, status, headers)) return undefined;
  addVary(headers);
  const encoding = negotiateEncoding(req.headers['accept-encoding']);
  if (!encoding) return undefined;
  headers['content-encoding'] = encoding;
  delete headers['content-length'];
  const etag = headers['etag'];
  if (typeof etag === 'string' && etag.startsWith('"')) headers['etag'] = `W/${etag}`;
  return encoding;
}

function eligible(req: CompressionRequest, status: number, headers: Headers): boolean {
  if (req.method === 'HEAD' || req.headers.range !== undefined) return false;
  if (status < 200 || status === 204 || status === 206 || status === 304) return false;
  const encoded = headers['content-encoding'];
  if (encoded !== undefined && !(typeof encoded === 'string' && encoded.trim().toLowerCase() === 'identity')) return false;
  if (headers['content-range'] !== undefined) return false;
  if (/(?:^|,)\s*no-transform\s*(?:,|$)/i.test(String(headers['cache-control'] ?? ''))) return false;
  const type = headers['content-type'];
  if (!isCompressibleType(typeof type === 'string' ? type : undefined)) return false;
  const length = headers['content-length'];
  return length === undefined || Number(length) >= MIN_COMPRESS_BYTES;
}

function addVary(headers: Headers): void {
  const vary = headers['vary'];
  if (vary === undefined) {
    headers['vary'] = 'Accept-Encoding';
    return;
  }
  const text = Array.isArray(vary) ? vary.join(', ') : vary;
  if (/(?:^|,)\s*(?:\*|accept-encoding)\s*(?:,|$)/i.test(text)) return;
  headers['vary'] = text.trim() === '' ? 'Accept-Encoding' : `${text}, Accept-Encoding`;
}

/**
 * A streaming encoder. Each chunk written is flushed through (a sync flush), so a response the
 * app sends bit by bit reaches the client bit by bit; with the proxy's large upstream reads
 * this costs a few bytes per chunk.
 */
export function createEncoder(encoding: Encoding): Gzip | BrotliCompress {
  // node:zlib loads with the first compressed response: a proxy without compress: never loads it.
  const { constants, createBrotliCompress, createGzip } = process.getBuiltinModule('node:zlib');
  if (encoding === 'gzip') return createGzip({ flush: constants.Z_SYNC_FLUSH });
  return createBrotliCompress({
    flush: constants.BROTLI_OPERATION_FLUSH,
    params: {
      [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
    },
  });
}
