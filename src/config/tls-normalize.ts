/** Parsed TLS settings → the model: route TLS as a tagged union, defaults for redirect and HSTS. */
import { resolve } from 'node:path';
import { parseDuration } from '../lib/duration.js';
import type { AcmeSpec, Dns01Spec, NameServerSpec, RouteTls } from './model.js';
import type { ParsedDns01 } from './tls-dns01-schema.js';
import { ACME_DIRECTORIES, type ParsedHsts, type ParsedRouteTls, type ParsedTls } from './tls-schema.js';

/** One year, the usual HSTS max-age. */
const HSTS_DEFAULT_S = 365 * 86_400;

export interface RouteTlsFields {
  readonly tls: RouteTls;
  readonly redirectHttp: boolean;
  /** Strict-Transport-Security max-age in seconds; undefined: no header. */
  readonly hstsMaxAge: number | undefined;
  /** `includeSubDomains` and `preload` directives (only written when on). */
  readonly hstsIncludeSubDomains?: true;
  readonly hstsPreload?: true;
}

export function routeTlsFields(
  route: { tls: ParsedRouteTls; redirectHttp?: boolean | undefined; hsts?: ParsedHsts | undefined },
  dir: string,
  /** HSTS when the route does not say: on under the strict header preset (the production default). */
  hstsByDefault: boolean,
): RouteTlsFields {
  const tls = routeTlsOf(route.tls, dir);
  const on = tls.kind !== 'off';
  const redirectHttp = on && (route.redirectHttp ?? true);
  const hsts = route.hsts ?? hstsByDefault;
  if (!on || hsts === false) return { tls, redirectHttp, hstsMaxAge: undefined };
  if (hsts === true) return { tls, redirectHttp, hstsMaxAge: HSTS_DEFAULT_S };
  if (typeof hsts === 'string') return { tls, redirectHttp, hstsMaxAge: seconds(hsts) };
  return {
    tls,
    redirectHttp,
    hstsMaxAge: seconds(hsts.maxAge),
    ...(hsts.includeSubDomains ? { hstsIncludeSubDomains: true as const } : {}),
    ...(hsts.preload ? { hstsPreload: true as const } : {}),
  };
}

function seconds(duration: string): number {
  return Math.floor((parseDuration(duration) ?? 0) / 1000);
}

function routeTlsOf(tls: ParsedRouteTls, dir: string): RouteTls {
  if (typeof tls !== 'string') return { kind: 'files', cert: resolve(dir, tls.cert), key: resolve(dir, tls.key) };
  return { kind: tls };
}

export function acmeSpec(tls: ParsedTls | undefined, dir: string): AcmeSpec | undefined {
  const acme = tls?.acme;
  if (!acme) return undefined;
  return {
    email: acme.email,
    directory: ACME_DIRECTORIES[acme.directory] ?? acme.directory,
    challenge: acme.challenge,
    caBundle: acme.caBundle === undefined ? undefined : resolve(dir, acme.caBundle),
    ...(acme.dns01 ? { dns01: dns01Spec(acme.dns01) } : {}),
  };
}

/** Checked by tlsIssues first: rfc2136 has server and key, cloudflare its token. */
function dns01Spec(d: ParsedDns01): Dns01Spec {
  const propagationTimeoutMs = parseDuration(d.propagationTimeout) ?? 120_000;
  const checks = (d.checkServers ?? []).map(nameServerOf);
  if (d.provider === 'cloudflare') return { provider: 'cloudflare', apiToken: d.apiToken ?? '', zoneId: d.zoneId, checkServers: checks, propagationTimeoutMs };
  const server = nameServerOf(d.server ?? '');
  const key = { name: d.key?.name ?? '', algorithm: d.key?.algorithm ?? 'hmac-sha256', secret: d.key?.secret ?? '' };
  return { provider: 'rfc2136', server, zone: d.zone?.replace(/\.$/, ''), key, checkServers: checks.length > 0 ? checks : [server], propagationTimeoutMs };
}

/** host, host:port, [v6]:port → host and port (53 by default). */
export function nameServerOf(text: string): NameServerSpec {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) return { host: v6[1] ?? '', port: Number(v6[2] ?? 53) };
  const [host = '', port] = text.split(':');
  return { host, port: port === undefined ? 53 : Number(port) };
}

/** proxy.https as written, else 443 when some route has TLS on; omitted when there is none. */
export function httpsPort(written: number | undefined, tlsOn: boolean): { https?: number } {
  const port = written ?? (tlsOn ? 443 : undefined);
  return port === undefined ? {} : { https: port };
}
