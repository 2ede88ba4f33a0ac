/**
 * The one normalised request path that routing, policy (basic auth, rate-limit zones,
 * maintenance) and the app all see. See docs/design.md "Normalised path".
 *
 * From the request target's path (the query is kept as sent):
 *  1. percent-encodings of unreserved characters (RFC 3986 §2.3: A–Z a–z 0–9 - . _ ~) are
 *     decoded; the other ones are kept, their hex digits upper-cased (§6.2.2.1–2);
 *  2. an encoded `/` or `\` (%2F, %5C), a raw `\`, an encoded control byte (%00–%1F, %7F),
 *     a malformed `%`, a fragment `#` or a byte outside visible ASCII: refused (400), since
 *     apps disagree on what they mean (one more segment, or part of a name);
 *  3. empty segments are dropped (`//` → `/`, as nginx's merge_slashes);
 *  4. dot segments are removed (§5.2.4; `..` never climbs above the root).
 * A trailing `/` is kept. Routing matches `matchPath`: the path with each segment's `;…`
 * parameters left out (servlet containers ignore them), so `/admin;x/secret` is covered by
 * the `/admin` route; a dot segment with parameters (`..;x`) is refused. The app receives
 * `path` (parameters kept) and the query.
 */
export type NormalisedTarget =
  | { readonly ok: true; readonly path: string; readonly matchPath: string; readonly target: string }
  | { readonly ok: false; readonly reason: string };

const HEX = /^[0-9A-Fa-f]{2}$/;

export function normaliseTarget(raw: string): NormalisedTarget {
  if (raw === '*') return { ok: true, path: '*', matchPath: '*', target: '*' };
  const q = raw.indexOf('?');
  const rawPath = q === -1 ? raw : raw.slice(0, q);
  const query = q === -1 ? '' : raw.slice(q);
  if (!rawPath.startsWith('/')) return { ok: false, reason: 'the request target is not a path' };
  const decoded = decodeUnreserved(rawPath);
  if (typeof decoded !== 'string') return decoded;
  const path = removeDotSegments(decoded);
  if (!path.includes(';')) return { ok: true, path, matchPath: path, target: path + query };
  if (/(?:^|\/)\.{1,2};/.test(path)) return { ok: false, reason: 'a dot segment with parameters (..;) in the path' };
  return { ok: true, path, matchPath: removeDotSegments(path.replace(/;[^/]*/g, '')), target: path + query };
}

function decodeUnreserved(path: string): string | { ok: false; reason: string } {
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return { ok: false, reason: 'a byte outside visible ASCII in the path' };
    if (c === 0x5c) return { ok: false, reason: 'a backslash in the path' };
    if (c === 0x23) return { ok: false, reason: 'a fragment (#) in the request target' };
    if (c !== 0x25) {
      out += path[i];
      continue;
    }
    const hex = path.slice(i + 1, i + 3);
    if (!HEX.test(hex)) return { ok: false, reason: 'a malformed percent-encoding in the path' };
    const value = parseInt(hex, 16);
    if (value === 0x2f || value === 0x5c) return { ok: false, reason: 'an encoded slash or backslash in the path' };
    if (value < 0x20 || value === 0x7f) return { ok: false, reason: 'an encoded control byte in the path' };
    out += isUnreserved(value) ? String.fromCharCode(value) : `%${hex.toUpperCase()}`;
    i += 2;
  }
  return out;
}

function isUnreserved(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e;
}

/** `//` collapsed and `.`/`..` segments resolved; `..` at the root stays at the root. */
function removeDotSegments(path: string): string {
  const parts = path.split('/');
  const out: string[] = [];
  let trailing = false;
  for (let i = 1; i < parts.length; i++) {
    const seg = parts[i] ?? '';
    const last = i === parts.length - 1;
    if (seg === '' || seg === '.') {
      trailing = last;
    } else if (seg === '..') {
      out.pop();
      trailing = last;
    } else {
      out.push(seg);
      trailing = false;
    }
  }
  if (out.length === 0) return '/';
  return `/${out.join('/')}${trailing ? '/' : ''}`;
}
