/**
 * The ACME side of the certificate manager: one account key per directory, the challenges
 * pending while an order runs (served by the proxy through the routing table), and which
 * challenge types an order offers. The manager decides when to order; this runs the order.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AcmeChallenge, AcmeSpec } from '../config/model.js';
import { writeFileAtomic } from '../lib/atomic-write.js';
// The ACME client (acme-client) loads on the first order: a daemon without ACME routes never loads it.
import type { ChallengePublisher, ChallengeType, OrderOptions } from './acme-adapter.js';
import { Dns01Challenges, type SecretReader } from './dns01-challenges.js';

export interface AcmeOrdersOptions {
  /** The certificate store's root: account keys live under `<root>/acme/`. */
  readonly root: string;
  /** Pushes a routing table carrying the pending challenges (or no longer carrying one). */
  readonly publish: (reason: string) => Promise<unknown>;
  /** acme-client settings (low retries and short polls in tests). */
  readonly acme?: Pick<OrderOptions, 'retries' | 'pollMinMs' | 'pollMaxMs'>;
  /** Reads the DNS-01 credentials (secret references) from the secret store. */
  readonly readSecret?: SecretReader;
}

export interface OrderRequest {
  readonly hosts: readonly string[];
  /** RFC 9773 certificate id of the certificate this order replaces, when the CA offers ARI. */
  readonly replaces?: string | undefined;
  /** Failed attempts in a row for these hosts: `auto` alternates the preferred challenge type. */
  readonly failures: number;
}

export class AcmeOrders {
  /** HTTP-01: token → key authorization. */
  readonly challenges = new Map<string, string>();
  /** TLS-ALPN-01: host → key authorization. */
  readonly alpnChallenges = new Map<string, string>();
  readonly #o: AcmeOrdersOptions;

  constructor(options: AcmeOrdersOptions) {
    this.#o = options;
  }

  async order(acme: AcmeSpec, request: OrderRequest): Promise<{ fullchain: string; privkey: string }> {
    const caBundle = acme.caBundle === undefined ? undefined : await readFile(acme.caBundle, 'utf8');
    const dns = acme.dns01 ? new Dns01Challenges(acme.dns01, { readSecret: this.#o.readSecret ?? noSecrets }) : undefined;
    // DNS-01 answers live in the zone: published there, and the value kept to remove exactly it.
    const dnsValues = new Map<string, string>();
    const publisher: ChallengePublisher = {
      publish: async (token, keyAuthorization, challenge) => {
        if (challenge.type === 'dns-01') {
          if (!dns) throw new Error(`the CA offers only dns-01 for ${challenge.host} and tls.acme has no dns01 provider`);
          dnsValues.set(token, keyAuthorization);
          return dns.present(challenge.host, keyAuthorization);
        }
        if (challenge.type === 'tls-alpn-01') this.alpnChallenges.set(challenge.host, keyAuthorization);
        else this.challenges.set(token, keyAuthorization);
        await this.#o.publish('acme challenge');
      },
      withdraw: async (token, challenge) => {
        if (challenge.type === 'dns-01') {
          const value = dnsValues.get(token);
          dnsValues.delete(token);
          if (dns && value !== undefined) await dns.cleanup(challenge.host, value);
          return;
        }
        if (challenge.type === 'tls-alpn-01') this.alpnChallenges.delete(challenge.host);
        else this.challenges.delete(token);
        await this.#o.publish('acme challenge done').catch(() => undefined);
      },
    };
    const { orderCertificate } = await import('./acme-adapter.js');
    return orderCertificate({ url: acme.directory, email: acme.email, caBundle }, [...request.hosts], publisher, {
      ...this.#o.acme,
      // RFC 9773 §5: a renewal names the certificate it replaces when the CA offers ARI.
      ...(request.replaces === undefined ? {} : { replaces: request.replaces }),
      accountKey: await this.#accountKey(acme.directory),
      challengeTypes: request.hosts.some((h) => h.startsWith('*.')) ? ['dns-01'] : challengeTypes(acme.challenge, request.failures),
    });
  }

  /** One account key per directory, kept (0600) under certs/acme/. */
  async #accountKey(directory: string): Promise<string> {
    const dir = join(this.#o.root, 'acme');
    const file = join(dir, `${createHash('sha256').update(directory).digest('hex').slice(0, 16)}.key`);
    const existing = await readFile(file, 'utf8').catch(() => undefined);
    if (existing) return existing;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const { createAccountKey } = await import('./acme-adapter.js');
    const key = await createAccountKey();
    await writeFileAtomic(file, key, 0o600);
    return key;
  }
}

/**
 * The challenge types to offer, preferred first. `auto` starts with HTTP-01 and swaps the
 * order after each failure, so a host that only one of ports 80 and 443 reaches is still
 * validated on the next attempt. A wildcard host is always DNS-01 (the only type that proves one).
 */
export function challengeTypes(choice: AcmeChallenge | undefined, failures: number): ChallengeType[] {
  switch (choice ?? 'auto') {
    case 'http-01':
      return ['http-01'];
    case 'tls-alpn-01':
      return ['tls-alpn-01'];
    case 'dns-01':
      return ['dns-01'];
    case 'auto':
      return failures % 2 === 0 ? ['http-01', 'tls-alpn-01'] : ['tls-alpn-01', 'http-01'];
  }
}

const noSecrets: SecretReader = () => Promise.reject(new Error('no secret store is wired to the certificate manager'));
