/** Wires the cert manager: restored at start, fed the daemon's config, applied to every table. */
import { existsSync } from 'node:fs';
import { CertManager } from '../certs/cert-manager.js';
import { loadConfig } from '../config/load.js';
import type { DataPlane } from '../engine/deps.js';
import { toSlipwayError } from '../errors.js';

export interface CertWiring {
  readonly stateDir: string;
  readonly configFile: string | undefined;
  readonly env: string | undefined;
  readonly environ: NodeJS.ProcessEnv;
  readonly publish: (reason: string) => Promise<unknown>;
  readonly warn: (message: string) => void;
}

/** Starts the manager (before the engine boots, so the first table already carries the certificates). */
export async function startCerts(o: CertWiring): Promise<CertManager> {
  // Tests against pebble: acme-client's TLS failures otherwise surface after long retries.
  const fast = o.environ['SLIPWAY_TEST_ACME_FAST'] === '1';
  const certs = new CertManager({
    stateDir: o.stateDir,
    publish: o.publish,
    ...(fast ? { acme: { retries: 1, pollMinMs: 200, pollMaxMs: 1000 } } : {}),
  });
  await certs.start();
  return certs;
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
