/** What the cert manager keeps certificates for: one entry per route host with TLS on. */
import { readFile } from 'node:fs/promises';
import type { AcmeSpec, Config, RouteTls } from '../config/model.js';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { certNameFor, type CertSource } from './cert-store.js';

export type ManagedTls = Exclude<RouteTls, { kind: 'off' }>;

export interface ManagedCert {
  /** Store name (see certNameFor). */
  readonly name: string;
  /** The host set of one order: the route's host. */
  readonly hosts: readonly string[];
  readonly tls: ManagedTls;
  readonly redirectHttp: boolean;
  readonly hstsMaxAge?: number | undefined;
  readonly hstsIncludeSubDomains?: boolean | undefined;
  readonly hstsPreload?: boolean | undefined;
}

/** The desired set, saved in the state dir so a restarted daemon serves HTTPS before any deploy. */
export interface ManagedSet {
  readonly certs: readonly ManagedCert[];
  readonly acme?: AcmeSpec | undefined;
  /** proxy.https; undefined: no HTTPS listener. */
  readonly httpsPort?: number | undefined;
}

export const EMPTY_SET: ManagedSet = { certs: [] };

/** Every route with TLS on in `config`, one entry per host (the first route naming it wins). */
export function managedSetOf(config: Config): ManagedSet {
  const byName = new Map<string, ManagedCert>();
  for (const service of Object.values(config.services)) {
    for (const route of service.routes) {
      if (!route.tls || route.tls.kind === 'off') continue;
      const name = certNameFor([route.host]);
      if (byName.has(name)) continue;
      byName.set(name, { name, hosts: [route.host], tls: route.tls, redirectHttp: route.redirectHttp ?? true, hstsMaxAge: route.hstsMaxAge, ...hstsDirectives(route) });
    }
  }
  return { certs: [...byName.values()], acme: config.acme, httpsPort: config.proxy.https };
}

export function sourceOf(tls: ManagedTls): CertSource {
  switch (tls.kind) {
    case 'auto':
      return 'acme';
    case 'internal':
      return 'internal';
    case 'files':
      return 'files';
  }
}

/** The managed sets of every project on the host (a file of before projects holds one set: project ''). */
export type ProjectSets = ReadonlyMap<string, ManagedSet>;

export async function loadManagedSets(file: string): Promise<Map<string, ManagedSet>> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return new Map();
  try {
    // Our own file, written by saveManagedSets (or, before projects, one set); a corrupt one is caught below.
    const parsed = JSON.parse(text) as ManagedSet | { projects: Record<string, ManagedSet> };
    return 'projects' in parsed ? new Map(Object.entries(parsed.projects)) : new Map([['', parsed]]);
  } catch {
    return new Map(); // a corrupt file is rewritten at the next configure
  }
}

export function saveManagedSets(file: string, sets: ProjectSets): Promise<void> {
  return writeFileAtomic(file, `${JSON.stringify({ projects: Object.fromEntries(sets) }, null, 2)}\n`, 0o600);
}

/** Every project's TLS routes as one set: one certificate per name (the first project naming it wins), the first ACME account and HTTPS port found. */
export function unionOf(sets: ProjectSets): ManagedSet {
  const byName = new Map<string, ManagedCert>();
  let acme: AcmeSpec | undefined;
  let httpsPort: number | undefined;
  for (const set of sets.values()) {
    for (const cert of set.certs) if (!byName.has(cert.name)) byName.set(cert.name, cert);
    acme ??= set.acme;
    httpsPort ??= set.httpsPort;
  }
  return { certs: [...byName.values()], ...(acme ? { acme } : {}), ...(httpsPort === undefined ? {} : { httpsPort }) };
}

/** The HSTS directives a route turns on (left out when off, so saved sets stay as they were). */
function hstsDirectives(route: { readonly hstsIncludeSubDomains?: boolean | undefined; readonly hstsPreload?: boolean | undefined }): Pick<ManagedCert, 'hstsIncludeSubDomains' | 'hstsPreload'> {
  return { ...(route.hstsIncludeSubDomains ? { hstsIncludeSubDomains: true } : {}), ...(route.hstsPreload ? { hstsPreload: true } : {}) };
}
