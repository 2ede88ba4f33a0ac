import { rawIssue, type RawIssue } from './issue.js';
import { isPlainObject } from './merge.js';
import { parseDuration } from '../lib/duration.js';
import { HSTS_PRELOAD_MIN_S } from './tls-schema.js';

/**
 * A route with `tls: auto` needs a top-level `tls.acme`; a wildcard one (or `challenge: dns-01`)
 * also needs `tls.acme.dns01`, since HTTP-01 and TLS-ALPN-01 cannot prove a wildcard (RFC 8555
 * §7.1.3); a dns01 section names what its provider needs.
 */
export function tlsIssues(data: Record<string, unknown>, services: Array<[string, unknown]>): RawIssue[] {
  const tls = data['tls'];
  const acme = isPlainObject(tls) && isPlainObject(tls['acme']) ? tls['acme'] : undefined;
  const hasAcme = isPlainObject(tls) && tls['acme'] !== undefined;
  const dns01 = acme && isPlainObject(acme['dns01']) ? acme['dns01'] : undefined;
  const out: RawIssue[] = [];
  for (const [name, service] of services) {
    if (!isPlainObject(service) || !Array.isArray(service['routes'])) continue;
    service['routes'].forEach((route: unknown, i) => {
      if (!isPlainObject(route) || route['tls'] !== 'auto') return;
      const at = ['services', name, 'routes', i, 'tls'];
      if (!hasAcme) {
        out.push(rawIssue('SLW_CONFIG_TLS_NO_ACME', at, `services.${name}.routes[${i}] asks for tls: auto, but there is no tls.acme section`));
      } else if (!dns01 && typeof route['host'] === 'string' && route['host'].startsWith('*.')) {
        out.push(rawIssue('SLW_CONFIG_TLS_NO_DNS_PROVIDER', at, `services.${name}.routes[${i}] asks for tls: auto on the wildcard ${route['host']}, which only a DNS-01 challenge can prove, and tls.acme has no dns01 section`));
      }
    });
  }
  if (acme && acme['challenge'] === 'dns-01' && !dns01) {
    out.push(rawIssue('SLW_CONFIG_TLS_NO_DNS_PROVIDER', ['tls', 'acme', 'challenge'], 'tls.acme.challenge is dns-01, but tls.acme has no dns01 section'));
  }
  if (dns01) out.push(...dns01Issues(dns01));
  return out;
}

function dns01Issues(dns01: Record<string, unknown>): RawIssue[] {
  const at = ['tls', 'acme', 'dns01'];
  const missing = (key: string, why: string): RawIssue => rawIssue('SLW_CONFIG_BAD_TLS', [...at, 'provider'], `tls.acme.dns01 with provider ${String(dns01['provider'])} needs ${key}: ${why}`);
  if (dns01['provider'] === 'rfc2136') {
    return [
      ...(dns01['server'] === undefined ? [missing('server', 'the primary name server that takes updates, host:port')] : []),
      ...(dns01['key'] === undefined ? [missing('key', '{ name, algorithm, secret: ${secret:NAME} }, the TSIG key that signs the updates')] : []),
      ...(['apiToken', 'zoneId'].filter((k) => dns01[k] !== undefined).map((k) => rawIssue('SLW_CONFIG_BAD_TLS', [...at, k], `tls.acme.dns01.${k} is for provider cloudflare, not rfc2136`))),
    ];
  }
  if (dns01['provider'] === 'cloudflare') {
    return [
      ...(dns01['apiToken'] === undefined ? [missing('apiToken', '${secret:NAME} holding an API token with DNS Write on the zone')] : []),
      ...(['server', 'key', 'zone'].filter((k) => dns01[k] !== undefined).map((k) => rawIssue('SLW_CONFIG_BAD_TLS', [...at, k], `tls.acme.dns01.${k} is for provider rfc2136, not cloudflare`))),
    ];
  }
  return [];
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
