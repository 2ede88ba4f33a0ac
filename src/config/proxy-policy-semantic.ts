/** Cross-field checks of the admission settings: every route's zone is declared; "off" is not a zone. */
import { rawIssue, type RawIssue } from './issue.js';
import { isPlainObject } from './merge.js';
import { suggest } from './suggest.js';

export function proxyPolicyIssues(data: Record<string, unknown>, services: Array<[string, unknown]>): RawIssue[] {
  const proxy = isPlainObject(data['proxy']) ? data['proxy'] : {};
  const zones = isPlainObject(proxy['rateLimits']) ? Object.keys(proxy['rateLimits']) : [];
  const out: RawIssue[] = [];
  if (zones.includes('off')) {
    out.push(rawIssue('SLW_CONFIG_BAD_RATE', ['proxy', 'rateLimits', 'off'], '"off" cannot name a rate-limit zone: routes write `rateLimit: off` to use none', { at: 'key' }));
  }
  for (const [name, service] of services) {
    if (!isPlainObject(service) || !Array.isArray(service['routes'])) continue;
    service['routes'].forEach((route: unknown, i) => {
      const zone = isPlainObject(route) ? route['rateLimit'] : undefined;
      if (typeof zone !== 'string' || zone === 'off' || zones.includes(zone)) return;
      const near = suggest(zone, zones);
      const declared = zones.length > 0 ? `declared zones: ${zones.join(', ')}` : 'proxy.rateLimits declares no zone';
      out.push(
        rawIssue('SLW_CONFIG_UNKNOWN_ZONE', ['services', name, 'routes', i, 'rateLimit'], `rate-limit zone "${zone}" is not declared under proxy.rateLimits (${declared})`, {
          ...(near ? { hint: `did you mean ${near}? Otherwise declare it under proxy.rateLimits, or write rateLimit: off.` } : {}),
        }),
      );
    });
  }
  return out;
}
