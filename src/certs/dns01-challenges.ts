/**
 * DNS-01 for one order: the provider the ACME account names (credentials read from the secret
 * store for each order, so `slipway secrets set` applies to the next attempt), the TXT value
 * added and waited for on the zone's servers, and removed again once the CA has looked, whether
 * it passed or not.
 */
import type { Dns01Spec } from '../config/model.js';
import { SlipwayError, toSlipwayError } from '../errors.js';
import { CloudflareDns } from './cloudflare-dns.js';
import { challengeName, type Dns01Provider, type TxtRecord } from './dns01-provider.js';
import { waitUntilVisible, zoneServers, type NameServer } from './dns01-propagation.js';
import { Rfc2136Provider, type TsigAlgorithm } from './nsupdate-adapter.js';

/** Reads a secret reference (the marker a config holds) from the store; throws when it has no value. */
export type SecretReader = (reference: string) => Promise<string>;

export interface Dns01Options {
  readonly readSecret: SecretReader;
  /** Test hook: where the Cloudflare provider sends its calls. */
  readonly cloudflareApi?: string | undefined;
  readonly pollMs?: number;
}

export class Dns01Challenges {
  readonly #spec: Dns01Spec;
  readonly #o: Dns01Options;
  #provider: Promise<Dns01Provider> | undefined;

  constructor(spec: Dns01Spec, options: Dns01Options) {
    this.#spec = spec;
    this.#o = options;
  }

  /** Adds `_acme-challenge.<host>` = value and waits until the zone serves it; removes it again if it never shows. */
  async present(host: string, value: string, signal?: AbortSignal): Promise<void> {
    const record: TxtRecord = { name: challengeName(host), value };
    const provider = await this.#providerOnce();
    await provider.present(record, signal);
    try {
      await waitUntilVisible(record, { servers: await this.#checkServers(record.name), deadlineMs: this.#spec.propagationTimeoutMs, pollMs: this.#o.pollMs ?? 500, signal });
    } catch (err) {
      await provider.cleanup(record).catch(() => undefined);
      throw err;
    }
  }

  async cleanup(host: string, value: string): Promise<void> {
    await (await this.#providerOnce()).cleanup({ name: challengeName(host), value });
  }

  #providerOnce(): Promise<Dns01Provider> {
    this.#provider ??= this.#makeProvider();
    return this.#provider;
  }

  async #makeProvider(): Promise<Dns01Provider> {
    const spec = this.#spec;
    switch (spec.provider) {
      case 'rfc2136':
        return new Rfc2136Provider({
          server: spec.server,
          zone: spec.zone,
          key: { name: spec.key.name, algorithm: spec.key.algorithm as TsigAlgorithm, secret: (await this.#secret(spec.key.secret, 'tls.acme.dns01.key.secret')).trim() },
        });
      case 'cloudflare':
        return new CloudflareDns({
          token: (await this.#secret(spec.apiToken, 'tls.acme.dns01.apiToken')).trim(),
          zoneId: spec.zoneId,
          ...(this.#o.cloudflareApi ? { baseUrl: this.#o.cloudflareApi } : {}),
        });
    }
  }

  async #secret(reference: string, field: string): Promise<string> {
    try {
      return await this.#o.readSecret(reference);
    } catch (err) {
      const e = toSlipwayError(err);
      throw new SlipwayError('SLW_CERT_DNS_BAD_CREDENTIALS', `The secret ${field} names could not be read: ${e.message}`, { cause: err, details: { field, code: e.code } });
    }
  }

  async #checkServers(name: string): Promise<NameServer[]> {
    if (this.#spec.checkServers.length > 0) return [...this.#spec.checkServers];
    const found = await zoneServers(name);
    if (found.length > 0) return found;
    throw new SlipwayError('SLW_CERT_DNS_NOT_VISIBLE', `No name servers were found for ${name} to check the record on.`, {
      hint: 'Give tls.acme.dns01.checkServers (host:port of the zone\'s authoritative servers).',
      details: { record: name },
    });
  }
}
