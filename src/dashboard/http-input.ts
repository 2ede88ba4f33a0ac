/** What the dashboard reads from a request: its cookies, its form body, where it came from. */
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'slipway_session';
const MAX_FORM = 16 * 1024;

/** Cookie header → name → value (the first of a repeated name wins; malformed pairs are skipped). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!out.has(name) && /^[\w.~-]{1,512}$/.test(value)) out.set(name, value);
  }
  return out;
}

/** An application/x-www-form-urlencoded body of at most 16 KiB; undefined when larger or of another type. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return undefined;
  let text = '';
  for await (const chunk of req) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length > MAX_FORM) return undefined;
  }
  return new URLSearchParams(text);
}

/** The origin the page was served from, as the browser names it. */
export function ownOrigin(req: IncomingMessage, secure: boolean): string | undefined {
  const host = req.headers.host;
  return host && /^[\w.:[\]-]+$/.test(host) ? `${secure ? 'https' : 'http'}://${host}` : undefined;
}

/**
 * A POST from a page of this dashboard: the browser's Origin (or, without one, the Referer's
 * origin) must be the dashboard's own. A form on another site cannot pass, whatever it sends.
 */
export function sameOrigin(req: IncomingMessage, secure: boolean): boolean {
  const own = ownOrigin(req, secure);
  if (!own) return false;
  const origin = req.headers.origin;
  if (origin !== undefined) return origin === own;
  const referer = req.headers.referer;
  if (!referer) return false;
  try {
    return new URL(referer).origin === own;
  } catch {
    return false;
  }
}

/** HTTPS as the browser sees it: a TLS socket, or the proxy in front (a loopback peer) saying so. */
export function isSecure(req: IncomingMessage): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted) return true;
  const peer = req.socket.remoteAddress ?? '';
  const loopback = peer === '::1' || peer.startsWith('127.') || peer.startsWith('::ffff:127.');
  return loopback && req.headers['x-forwarded-proto'] === 'https';
}
