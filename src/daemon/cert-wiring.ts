/** Wires the cert manager: restored at start, fed the daemon's config, applied to every table. */
import { existsSync } from 'node:fs';
import { certEvents, CertManager, type CertManagerOptions } from '../certs/cert-manager.js';
import { loadConfig } from './config-checker.js';
import type { DataPlane } from '../engine/deps.js';
import { toSlipwayError } from '../errors.js';
import type { SecretReader } from '../certs/dns01-challenges.js';
import { hasRefs, refsIn, replaceRefs } from '../secrets/reference.js';
import { crashPointFrom } from './crash-point.js';

export interface CertWiring {
  readonly stateDir: string;
  readonly configFile: string | undefined;
  readonly env: string | undefined;
  readonly environ: NodeJS.ProcessEnv;
  readonly publish: (reason: string) => Promise<unknown>;
  readonly warn: (message: string) => void;
  /** A line for the daemon log (certificate failures and installs). */
  readonly log?: (line: string) => void;
  /** The secret stores: DNS-01 credentials are read from them for each order. */
  readonly secrets?: { get(env: string, ref: string): Promise<{ reveal(): string }> };
}

/** Starts the manager (before the engine boots, so the first table already carries the certificates). */
export async function startCerts(o: CertWiring): Promise<CertManager> {
  // Tests against pebble: acme-client's TLS failures otherwise surface after long retries.
  const fast = o.environ['SLIPWAY_TEST_ACME_FAST'] === '1';
  const crash = crashPointFrom(o.environ);
  const certs = new CertManager({
    stateDir: o.stateDir,
    publish: o.publish,
    ...(fast ? { acme: { retries: 0, pollMinMs: 200, pollMaxMs: 1000 } } : {}),
    ...testTiming(o.environ['SLIPWAY_TEST_CERT_TIMING']),
    crashPoint: (point) => crash(`cert:${point}`),
    ...(o.secrets ? { readSecret: secretReader(o.secrets) } : {}),
  });
  if (o.log) subscribeLog(o.log);
  await certs.start();
  return certs;
}

/** A reference in tls.acme.dns01 (a marker: environment and name) → the stored value. */
function secretReader(secrets: NonNullable<CertWiring['secrets']>): SecretReader {
  return async (reference) => {
    if (!hasRefs(reference)) return reference;
    const values = new Map<string, string>();
    for (const r of refsIn(reference)) values.set(`${r.env}:${r.ref}`, (await secrets.get(r.env, r.ref)).reveal());
    return replaceRefs(reference, (r) => values.get(`${r.env}:${r.ref}`) ?? '');
  };
}

/** Certificate events as daemon log lines (no key material: names, codes, serials, times). */
function subscribeLog(log: (line: string) => void): void {
  certEvents.subscribe((message) => {
    const m = message as Record<string, unknown>;
    const hosts = Array.isArray(m['hosts']) ? m['hosts'].join(',') : '';
    if (m['type'] === 'certificate-failed') {
      log(`certificate-failed hosts=${hosts} code=${String(m['code'])} failures=${String(m['failures'])} retryAt=${String(m['retryAt'])} ${String(m['message'])}`);
    } else if (m['type'] === 'certificate-installed') {
      log(`certificate-installed hosts=${hosts} serial=${String(m['serial'])} notAfter=${String(m['notAfter'])}`);
    }
  });
}

/**
 * SLIPWAY_TEST_CERT_TIMING="backoff=1000,maxBackoff=8000,check=60000,grace=2000,ariPoll=200" (ms):
 * shorter backoff, check period, removed-route grace and renewalInfo poll floor for end-to-end tests.
 */
function testTiming(value: string | undefined): Pick<CertManagerOptions, 'backoff' | 'checkEveryMs' | 'removedGraceMs' | 'ariMinPollMs'> {
  if (!value) return {};
  const ms = Object.fromEntries(value.split(',').map((kv) => kv.split('=')).map(([k, v]) => [k?.trim() ?? '', Number(v)]));
  const n = (k: string): number | undefined => (Number.isFinite(ms[k]) && (ms[k] ?? 0) > 0 ? ms[k] : undefined);
  const min = n('backoff');
  const max = n('maxBackoff');
  return {
    ...(min !== undefined ? { backoff: { minMs: min, maxMs: max ?? min * 360 } } : {}),
    ...(n('check') !== undefined ? { checkEveryMs: n('check') } : {}),
    ...(n('grace') !== undefined ? { removedGraceMs: n('grace') } : {}),
    ...(n('ariPoll') !== undefined ? { ariMinPollMs: n('ariPoll') } : {}),
  };
}

/** After boot: the daemon's own config names the TLS routes (a deploy's config replaces them). */
export async function configureCerts(certs: CertManager, o: CertWiring): Promise<void> {
  if (!o.configFile || !existsSync(o.configFile)) return void certs.check('background').catch(() => undefined);
  try {
    await certs.configure(await loadConfig({ file: o.configFile, ...(o.env ? { env: o.env } : {}) }));
  } catch (err) {
    o.warn(`certificates: the config did not load (${toSlipwayError(err).message}); the saved TLS routes are kept`);
    void certs.check('background').catch(() => undefined);
  }
}

/** The proxy as the engine sees it, with listen.https, certificates and ACME challenges added. */
export function withCertificates(proxy: DataPlane, certs: CertManager): DataPlane {
  return {
    apply: (table) => proxy.apply(certs.decorate(table)),
    status: () => proxy.status(),
  };
}
