/**
 * The one file that imports acme-client (RFC 8555). Everything ACME-specific slipway needs
 * goes through `orderCertificate`: account (per directory, key kept by the caller), one order
 * for a host set, HTTP-01 answered by whoever `challenges` publishes the token to (the proxy).
 */
import * as acme from 'acme-client';
import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import { SlipwayError } from '../errors.js';

export interface AcmeDirectory {
  readonly url: string;
  readonly email: string | undefined;
  /** Extra roots (PEM) that the directory's TLS certificate may chain to (test CAs). */
  readonly caBundle?: string | undefined;
}

/** Where HTTP-01 answers are published while an order is validated. */
export interface ChallengePublisher {
  publish(token: string, keyAuthorization: string): Promise<void>;
  withdraw(token: string): Promise<void>;
}

export interface OrderOptions {
  /** PEM account key; one per directory, kept by the caller (see createAccountKey). */
  readonly accountKey: string;
  /** HTTP retries of the ACME client (low in tests: a TLS failure otherwise surfaces late). */
  readonly retries?: number;
  /** Poll backoff while the CA validates (ms). */
  readonly pollMinMs?: number;
  readonly pollMaxMs?: number;
}

export interface IssuedPair {
  readonly fullchain: string;
  readonly privkey: string;
}

export async function createAccountKey(): Promise<string> {
  return (await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
}

/** One order for `hosts` (the first is the common name); resolves with the chain and its new key. */
export async function orderCertificate(dir: AcmeDirectory, hosts: readonly string[], challenges: ChallengePublisher, options: OrderOptions): Promise<IssuedPair> {
  configureTransport(dir, options.retries ?? 3);
  const client = new acme.Client({
    directoryUrl: dir.url,
    accountKey: options.accountKey,
    backoffAttempts: 20,
    backoffMin: options.pollMinMs ?? 1000,
    backoffMax: options.pollMaxMs ?? 10_000,
  });
  const [key, csr] = await acme.crypto.createCsr({ commonName: hosts[0] ?? '', altNames: [...hosts] }, await acme.crypto.createPrivateEcdsaKey('P-256'));
  try {
    const fullchain = await client.auto({
      csr,
      ...(dir.email ? { email: dir.email } : {}),
      termsOfServiceAgreed: true,
      challengePriority: ['http-01'],
      // The CA checks reachability itself; a local pre-check cannot see through NAT or test resolvers.
      skipChallengeVerification: true,
      challengeCreateFn: async (_authz, challenge, keyAuthorization) => challenges.publish(challenge.token, keyAuthorization),
      challengeRemoveFn: async (_authz, challenge) => challenges.withdraw(challenge.token),
    });
    return { fullchain, privkey: key.toString() };
  } catch (err) {
    throw acmeError(err, dir.url, hosts);
  }
}

function configureTransport(dir: AcmeDirectory, retries: number): void {
  const settings = acme.axios.defaults as { acmeSettings?: Record<string, number>; httpsAgent?: unknown };
  settings.acmeSettings = { ...settings.acmeSettings, retryMaxAttempts: retries, retryDefaultDelay: 1 };
  settings.httpsAgent = dir.caBundle ? new Agent({ ca: [...rootCertificates, dir.caBundle], keepAlive: true }) : undefined;
}

/** An ACME failure with what the CA said; `retryAfterMs` when it asked for a pause (rate limits). */
function acmeError(err: unknown, url: string, hosts: readonly string[]): SlipwayError {
  const message = err instanceof Error ? err.message : String(err);
  const response = (err as { response?: { headers?: Record<string, string> } }).response;
  const retryAfter = Number(response?.headers?.['retry-after']);
  const rateLimited = /rateLimited|too many/i.test(message);
  return new SlipwayError('SLW_CERT_ACME_FAILED', `The ACME order for ${hosts.join(', ')} at ${url} failed: ${message}`, {
    cause: err,
    details: { hosts, directory: url, rateLimited, ...(Number.isFinite(retryAfter) ? { retryAfterMs: retryAfter * 1000 } : {}) },
  });
}
