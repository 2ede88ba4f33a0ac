import { rawIssue, type RawIssue } from './issue.js';
import { isPlainObject } from './merge.js';

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
