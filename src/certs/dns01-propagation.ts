/**
 * Before the CA is told to look, the TXT value must be served: asked directly of the zone's
 * servers (no cache in between), every `pollMs` until each one answers with it or the deadline
 * passes (SLW_CERT_DNS_NOT_VISIBLE).
 */
/** node:dns loads with the first DNS-01 check: a daemon without DNS-01 routes never loads it. */
const dns = (): typeof import('node:dns').promises => process.getBuiltinModule('node:dns').promises;
import { isIP } from 'node:net';
import { SlipwayError } from '../errors.js';
import type { TxtRecord } from './dns01-provider.js';

export interface NameServer {
  readonly host: string;
  readonly port: number;
}

export interface VisibilityOptions {
  readonly servers: readonly NameServer[];
  readonly deadlineMs: number;
  readonly pollMs?: number;
  readonly signal?: AbortSignal | undefined;
}

export async function waitUntilVisible(record: TxtRecord, o: VisibilityOptions): Promise<void> {
  const end = Date.now() + o.deadlineMs;
  const addresses = await Promise.all(o.servers.map(async (s) => ({ shown: `${s.host}:${s.port}`, address: await addressOf(s) })));
  let missing = addresses.map((a) => a.shown);
  for (;;) {
    const seen = await Promise.all(addresses.map(async (a) => ((await txtValues(record.name, a.address)).includes(record.value) ? undefined : a.shown)));
    missing = seen.filter((s): s is string => s !== undefined);
    if (missing.length === 0) return;
    if (Date.now() >= end || o.signal?.aborted) break;
    await new Promise((r) => setTimeout(r, Math.min(o.pollMs ?? 500, Math.max(0, end - Date.now()))));
  }
  throw new SlipwayError('SLW_CERT_DNS_NOT_VISIBLE', `The TXT record ${record.name} was not served by ${missing.join(', ')} within ${Math.round(o.deadlineMs / 1000)} s.`, {
    details: { record: record.name, servers: missing, deadlineMs: o.deadlineMs },
  });
}

/** The name servers of the zone that holds `name` (NS records, found through the system resolver), on port 53. */
export async function zoneServers(name: string): Promise<NameServer[]> {
  const labels = name.split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    const hosts = await dns().resolveNs(labels.slice(i).join('.')).catch(() => [] as string[]);
    if (hosts.length > 0) return hosts.map((host) => ({ host, port: 53 }));
  }
  return [];
}

async function addressOf(server: NameServer): Promise<string> {
  const ip = isIP(server.host) ? server.host : (await dns().lookup(server.host).catch(() => undefined))?.address;
  if (!ip) return '';
  return isIP(ip) === 6 ? `[${ip}]:${server.port}` : `${ip}:${server.port}`;
}

async function txtValues(name: string, address: string): Promise<string[]> {
  if (!address) return [];
  const resolver = new (dns().Resolver)({ timeout: 1500, tries: 1 });
  resolver.setServers([address]);
  const records = await resolver.resolveTxt(name).catch(() => [] as string[][]);
  return records.map((chunks) => chunks.join(''));
}
