import { rawIssue, type RawIssue } from './issue.js';
import { isPlainObject } from './merge.js';
import { parseDuration } from '../lib/duration.js';
import { HSTS_PRELOAD_MIN_S } from './tls-schema.js';

/** A route with `tls: auto` needs a top-level `tls.acme`. */
export function tlsIssues(data: Record<string, unknown>, services: Array<[string, unknown]>): RawIssue[] {
  const tls = data['tls'];
  if (isPlainObject(tls) && tls['acme'] !== undefined) return [];
  const out: RawIssue[] = [];
  for (const [name, service] of services) {
    if (!isPlainObject(service) || !Array.isArray(service['routes'])) continue;
    service['routes'].forEach((route: unknown, i) => {
      if (isPlainObject(route) && route['tls'] === 'auto') {
        out.push(rawIssue('SLW_CONFIG_TLS_NO_ACME', ['services', name, 'routes', i, 'tls'], `services.${name}.routes[${i}] asks for tls: auto, but there is no tls.acme section`));
      }
    });
  }
  return out;
}

/**
 * `hsts: { preload: true }` only where hstspreload.org would take the host: max-age of a year
 * or more, includeSubDomains, and HTTPS with plain HTTP redirected to it.
 */
export function hstsPreloadIssues(services: Array<[string, unknown]>): RawIssue[] {
  const out: RawIssue[] = [];
  for (const [name, service] of services) {
    if (!isPlainObject(service) || !Array.isArray(service['routes'])) continue;
    service['routes'].forEach((route: unknown, i) => {
      const hsts = isPlainObject(route) ? route['hsts'] : undefined;
      if (!isPlainObject(route) || !isPlainObject(hsts) || hsts['preload'] !== true) return;
      const missing = preloadGaps(route, hsts);
      if (missing.length === 0) return;
      out.push(rawIssue('SLW_CONFIG_HSTS_PRELOAD', ['services', name, 'routes', i, 'hsts', 'preload'], `services.${name}.routes[${i}] asks for HSTS preload, but ${missing.join(', ')}`));
    });
  }
  return out;
}

function preloadGaps(route: Record<string, unknown>, hsts: Record<string, unknown>): string[] {
  const gaps: string[] = [];
  const written = hsts['maxAge'] ?? '365d';
  const ms = typeof written === 'string' ? parseDuration(written) : undefined;
  if (ms !== undefined && ms / 1000 < HSTS_PRELOAD_MIN_S) gaps.push(`maxAge ${String(written)} is under a year (365d)`);
  if (hsts['includeSubDomains'] !== true) gaps.push('includeSubDomains is not true');
  const tls = route['tls'] ?? 'off';
  if (tls === 'off') gaps.push('the route has no TLS');
  else if (route['redirectHttp'] === false) gaps.push('redirectHttp is false (plain HTTP must redirect to HTTPS)');
  return gaps;
}
