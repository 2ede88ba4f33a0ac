/**
 * The one file that imports acme-client (RFC 8555). Everything ACME-specific slipway needs
 * goes through `orderCertificate`: account (per directory, key kept by the caller), one order
 * for a host set, each authorization answered by HTTP-01, TLS-ALPN-01 or DNS-01 through whoever
 * `challenges` publishes to (the proxy, or the DNS provider). The order is driven step by step rather than with
 * acme-client's `auto`, so that the order payload can carry `replaces` (RFC 9773) and the
 * challenge type is slipway's choice.
 */
import * as acme from 'acme-client';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import { SlipwayError } from '../errors.js';
import { parseRetryAfter } from './renewal-policy.js';

export interface AcmeDirectory {
  readonly url: string;
  readonly email: string | undefined;
  /** Extra roots (PEM) that the directory's TLS certificate may chain to (test CAs). */
  readonly caBundle?: string | undefined;
}

export type ChallengeType = 'http-01' | 'tls-alpn-01' | 'dns-01';

/** Where challenge answers are published while an order is validated. */
export interface ChallengePublisher {
  /**
   * HTTP-01: serve `keyAuthorization` at /.well-known/acme-challenge/<token>; TLS-ALPN-01: answer
   * `acme-tls/1` for `host`; DNS-01: TXT `_acme-challenge.<host>` = `keyAuthorization` (already
   * the digest; `host` without the wildcard label).
   */
  publish(token: string, keyAuthorization: string, challenge: { type: ChallengeType; host: string }): Promise<void>;
  withdraw(token: string, challenge: { type: ChallengeType; host: string }): Promise<void>;
}

export interface OrderOptions {
  /** PEM account key; one per directory, kept by the caller (see createAccountKey). */
  readonly accountKey: string;
  /**
   * HTTP retries inside the ACME client (default 0). slipway's renewal loop is the retry:
   * acme-client would otherwise sleep through a CA's Retry-After (hours under a rate limit)
   * inside one order, and its TLS failures surface late as an unrelated TypeError.
   */
  readonly retries?: number;
  /** Poll backoff while the CA validates (ms). */
  readonly pollMinMs?: number;
  readonly pollMaxMs?: number;
  /** Challenge types in order of preference (default: http-01). */
  readonly challengeTypes?: readonly ChallengeType[];
  /** ARI certificate id of the certificate this order replaces (RFC 9773 `replaces`). */
  readonly replaces?: string | undefined;
}

export interface IssuedPair {
  readonly fullchain: string;
  readonly privkey: string;
}

/** The last error answer of the CA during the current order (type and Retry-After). */
interface Problem {
  type?: string;
  retryAfterMs?: number;
}
const problems = new AsyncLocalStorage<{ last?: Problem }>();
let intercepting = false;

export async function createAccountKey(): Promise<string> {
  return (await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
}

/** One order for `hosts` (the first is the common name); resolves with the chain and its new key. */
export async function orderCertificate(dir: AcmeDirectory, hosts: readonly string[], challenges: ChallengePublisher, options: OrderOptions): Promise<IssuedPair> {
  configureTransport(dir, options.retries ?? 0);
  const client = new acme.Client({
    directoryUrl: dir.url,
    accountKey: options.accountKey,
    backoffAttempts: 20,
    backoffMin: options.pollMinMs ?? 1000,
    backoffMax: options.pollMaxMs ?? 10_000,
  });
  const [key, csr] = await acme.crypto.createCsr({ commonName: hosts[0] ?? '', altNames: [...hosts] }, await acme.crypto.createPrivateEcdsaKey('P-256'));
  const context: { last?: Problem } = {};
  try {
    const fullchain = await problems.run(context, async () => {
      await client.createAccount({ termsOfServiceAgreed: true, ...(dir.email ? { contact: [`mailto:${dir.email}`] } : {}) });
      const payload = { identifiers: hosts.map((value) => ({ type: 'dns', value })), ...(options.replaces ? { replaces: options.replaces } : {}) };
      const order = await client.createOrder(payload as Parameters<acme.Client['createOrder']>[0]);
      const authorizations = await client.getAuthorizations(order);
      const types = options.challengeTypes ?? ['http-01'];
      await settleAll(authorizations.map((authz) => authorize(client, authz, types, challenges)));
      const finalized = await client.finalizeOrder(order, csr);
      return client.getCertificate(finalized);
    });
    return { fullchain, privkey: key.toString() };
  } catch (err) {
    throw acmeError(err, dir.url, hosts, context.last);
  }
}

/** One authorization: the preferred challenge offered, published, completed, withdrawn. */
async function authorize(client: acme.Client, authz: acme.Authorization, types: readonly ChallengeType[], publisher: ChallengePublisher): Promise<void> {
  if (authz.status === 'valid') return;
  const host = authz.identifier.value;
  const challenge = types.map((t) => authz.challenges.find((c) => c.type === t)).find((c) => c !== undefined);
  if (!challenge) throw new Error(`the CA offers no ${types.join(' or ')} challenge for ${host}`);
  const info = { type: challenge.type as ChallengeType, host };
  const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
  let completed = false;
  try {
    await publisher.publish(challenge.token, keyAuthorization, info);
    // The CA checks reachability itself; a local pre-check cannot see through NAT or test resolvers.
    await client.completeChallenge(challenge);
    completed = true;
    await client.waitForValidStatus(challenge);
  } catch (err) {
    if (!completed) await client.deactivateAuthorization(authz).catch(() => undefined);
    throw err;
  } finally {
    await publisher.withdraw(challenge.token, info).catch(() => undefined);
  }
}

async function settleAll(work: ReadonlyArray<Promise<void>>): Promise<void> {
  const results = await Promise.allSettled(work);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

function configureTransport(dir: AcmeDirectory, retries: number): void {
  const instance = acme.axios as typeof acme.axios & { defaults: { acmeSettings?: Record<string, number>; httpsAgent?: unknown } };
  instance.defaults.acmeSettings = { ...instance.defaults.acmeSettings, retryMaxAttempts: retries, retryDefaultDelay: 1 };
  instance.defaults.httpsAgent = dir.caBundle ? new Agent({ ca: [...rootCertificates, dir.caBundle], keepAlive: true }) : undefined;
  if (intercepting) return;
  intercepting = true;
  // acme-client hands error answers on as responses, then throws with the detail text only:
  // keep the problem type and Retry-After of the last one for the order that is running.
  instance.interceptors.response.use((response) => {
    const context = problems.getStore();
    if (context && response.status >= 400) {
      const data = response.data as { type?: unknown } | undefined;
      const retryAfterMs = parseRetryAfter(headerOf(response.headers, 'retry-after'), Date.now());
      context.last = { ...(typeof data?.type === 'string' ? { type: data.type } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    }
    return response;
  });
}

function headerOf(headers: unknown, name: string): string | undefined {
  const value = (headers as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

const DNS_CODES: ReadonlySet<string> = new Set(['SLW_CERT_DNS_REFUSED', 'SLW_CERT_DNS_BAD_CREDENTIALS', 'SLW_CERT_DNS_NOT_VISIBLE', 'SLW_CERT_DNS_UNREACHABLE']);

/** An ACME failure with what the CA said; `retryAfterMs` when it asked for a pause (rate limits). */
function acmeError(err: unknown, url: string, hosts: readonly string[], problem: Problem | undefined): SlipwayError {
  // The DNS provider's own failures keep their code (a refused update is not the CA's doing).
  if (err instanceof SlipwayError && DNS_CODES.has(err.code)) {
    return new SlipwayError(err.code, `The ACME order for ${hosts.join(', ')} failed: ${err.message}`, { cause: err, hint: err.hint, details: { ...err.details, hosts, directory: url } });
  }
  const message = err instanceof Error ? err.message : String(err);
  const rateLimited = problem?.type === 'urn:ietf:params:acme:error:rateLimited' || /rateLimited|too many/i.test(message);
  return new SlipwayError('SLW_CERT_ACME_FAILED', `The ACME order for ${hosts.join(', ')} at ${url} failed: ${rateLimited ? 'rate limited: ' : ''}${message}`, {
    cause: err,
    details: {
      hosts,
      directory: url,
      rateLimited,
      ...(problem?.type ? { problem: problem.type } : {}),
      ...(problem?.retryAfterMs !== undefined ? { retryAfterMs: problem.retryAfterMs } : {}),
    },
  });
}
