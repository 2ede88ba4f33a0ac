import type { Route } from './protocol.js';

/**
 * Host + path routing, compiled once per table.
 *
 * Hosts: exact names first, then "*.suffix" wildcards (longest suffix first; they match any
 * depth of subdomain but not the bare suffix), then "*" (any host). The first host group that
 * has a matching path wins. Paths: longest prefix on a segment boundary ("/api" matches
 * "/api" and "/api/x", never "/apix"); callers pass the normalised path (src/proxy/request-path.ts).
 */
export interface Router {
  match(host: string, path: string): Route | undefined;
}

interface HostGroup {
  /** Routes of one host pattern, longest path first. */
  readonly routes: readonly Route[];
}

export function compileRouter(routes: readonly Route[]): Router {
  const exact = new Map<string, Route[]>();
  const wildcards = new Map<string, Route[]>();
  const any: Route[] = [];
  for (const route of routes) {
    const host = normalizeHost(route.host);
    if (host === '*') any.push(route);
    else if (host.startsWith('*.')) pushTo(wildcards, host.slice(1), route);
    else pushTo(exact, host, route);
  }
  const exactGroups = new Map([...exact].map(([h, r]) => [h, group(r)]));
  const wildcardGroups = [...wildcards]
    .sort(([a], [b]) => b.length - a.length)
    .map(([suffix, r]) => ({ suffix, ...group(r) }));
  const anyGroup = group(any);

  return {
    match(rawHost, rawPath) {
      const host = normalizeHost(rawHost);
      const path = stripQuery(rawPath);
      const exactGroup = exactGroups.get(host);
      const viaExact = exactGroup && matchPath(exactGroup, path);
      if (viaExact) return viaExact;
      for (const w of wildcardGroups) {
        if (host.length > w.suffix.length && host.endsWith(w.suffix)) {
          const found = matchPath(w, path);
          if (found) return found;
        }
      }
      return matchPath(anyGroup, path);
    },
  };
}

function pushTo(map: Map<string, Route[]>, key: string, route: Route): void {
  const list = map.get(key);
  if (list) list.push(route);
  else map.set(key, [route]);
}

function group(routes: Route[]): HostGroup {
  return { routes: [...routes].sort((a, b) => b.path.length - a.path.length) };
}

function matchPath(g: HostGroup, path: string): Route | undefined {
  for (const route of g.routes) if (pathHasPrefix(path, route.path)) return route;
  return undefined;
}

/** True when `prefix` covers `path` on a segment boundary. */
export function pathHasPrefix(path: string, prefix: string): boolean {
  if (!path.startsWith(prefix)) return false;
  if (path.length === prefix.length || prefix.endsWith('/')) return true;
  return path.charCodeAt(prefix.length) === 47; // '/'
}

/** Lower-case, without port, without a trailing dot; "[::1]:80" → "[::1]". */
export function normalizeHost(raw: string): string {
  let host = raw;
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    host = end === -1 ? host : host.slice(0, end + 1);
  } else {
    const colon = host.indexOf(':');
    if (colon !== -1) host = host.slice(0, colon);
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host.toLowerCase();
}

function stripQuery(url: string): string {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return path.length === 0 ? '/' : path;
}
