import type { IncomingMessage } from 'node:http';
import type { Route, RoutingTable } from '../protocol.js';
import { BasicAuthGate, challenge, type AuthOutcome, type BasicAuthOptions } from './basic-auth.js';
import { plainAddress, TrustedProxies } from './client-address.js';
import { DEFAULT_LIMITS, effectiveLimits, MAX_HEADERS_COUNT, type EffectiveLimits } from './limits.js';
import { DEFAULT_BUCKET_CAP, RateLimiter, type ZoneStats } from './rate-limit.js';
import { bodyOfUnknownLength, CHUNKED_PREREAD_BYTES, prereadBody, type Preread } from './request-body.js';
import { framingProblem } from './request-framing.js';
import { AccessRule } from '../../lib/address-list.js';

/** Each committed route's allow/deny lists, compiled once (a table is never mutated after its swap). */
const accessRules = new WeakMap<Route, AccessRule>();

/** False when the route's allow/deny lists refuse `client`. */
export function routePermits(route: Route | undefined, client: string): boolean {
  if (route === undefined || (route.allow === undefined && route.deny === undefined)) return true;
  let rule = accessRules.get(route);
  if (!rule) {
    rule = new AccessRule(route);
    accessRules.set(route, rule);
  }
  return rule.permits(client);
}

/** The statuses admission answers with. */
export type RefusalStatus = 400 | 401 | 403 | 413 | 429 | 431 | 503;

export interface Refusal {
  readonly status: RefusalStatus;
  readonly headers?: Readonly<Record<string, string>>;
  /** Close the connection after the answer (the request body was not read). */
  readonly close?: boolean;
}

/** A request allowed through, and how to relay it. */
export interface Admitted {
  readonly client: string;
  /** Largest body the upstream may receive (counted while streaming). */
  readonly bodyLimit: number;
  readonly upstreamTimeoutMs: number;
  /** The start of a chunked body, already read (see prereadBody). */
  readonly preread?: Preread | undefined;
  /** The Authorization header was for the proxy (basic auth): not forwarded. */
  readonly stripAuthorization: boolean;
}

export type Verdict = { readonly kind: 'pass'; readonly admitted: Admitted } | { readonly kind: 'refuse'; readonly refusal: Refusal };

export interface AdmissionOptions {
  /** Defaults for limits the table leaves out. */
  readonly defaults?: EffectiveLimits;
  /** Buckets per rate-limit zone at most. */
  readonly bucketCap?: number;
  readonly auth?: BasicAuthOptions;
}

/**
 * Request admission, in order: framing and host checks (400), the body size from
 * Content-Length (413), the route's allow/deny lists on the real client address (403), the
 * route's rate-limit zone (429), the route's basic auth (401), and
 * for a chunked body, reading its start ahead (a malformed one is refused by node, never
 * forwarded). Its state (buckets, checked credentials) outlives table swaps.
 */
export class Admission {
  readonly #defaults: EffectiveLimits;
  readonly #limiter: RateLimiter;
  readonly #auth: BasicAuthGate;
  #trusted = new TrustedProxies([]);
  #limits: EffectiveLimits;
  readonly #refused = new Map<number, number>();

  constructor(options: AdmissionOptions = {}) {
    this.#defaults = options.defaults ?? DEFAULT_LIMITS;
    this.#limits = this.#defaults;
    this.#limiter = new RateLimiter(options.bucketCap ?? DEFAULT_BUCKET_CAP);
    this.#auth = new BasicAuthGate(options.auth);
  }

  /** Called with each committed table, in the same tick as the swap. */
  update(table: RoutingTable): void {
    this.#trusted = new TrustedProxies(table.trustedProxies ?? []);
    this.#limits = effectiveLimits(table.limits, this.#defaults);
    this.#limiter.update(table.rateLimits);
  }

  get limits(): EffectiveLimits {
    return this.#limits;
  }

  clientAddress(req: IncomingMessage): string {
    return this.#trusted.clientOf(plainAddress(req.socket.remoteAddress ?? ''), req.headers['x-forwarded-for']);
  }

  /**
   * Synchronous unless basic auth must run scrypt or a chunked body is read ahead.
   * `pathOk`: false when the path could not be normalised (src/proxy/request-path.ts): 400.
   */
  admit(req: IncomingMessage, route: Route | undefined, pathOk = true): Verdict | Promise<Verdict> {
    if (!pathOk || framingProblem(req) !== undefined) return this.#refuse({ status: 400, close: true });
    // Node keeps the first MAX_HEADERS_COUNT fields and drops the rest silently (a second Host,
    // Transfer-Encoding…): a request that reaches the limit is refused, never forwarded cut short.
    if (req.httpVersionMajor === 1 && req.rawHeaders.length >= 2 * MAX_HEADERS_COUNT) return this.#refuse({ status: 431, close: true });
    const limits = this.#limits;
    const length = req.headers['content-length'];
    if (length !== undefined && Number(length) > limits.bodyBytes) return this.#refuse({ status: 413, close: true });
    const client = this.clientAddress(req);
    if (!routePermits(route, client)) return this.#refuse({ status: 403 });
    const zone = route?.rateLimit;
    if (zone !== undefined) {
      const retryAfter = this.#limiter.take(zone, client);
      if (retryAfter !== undefined) return this.#refuse({ status: 429, headers: { 'retry-after': String(retryAfter) } });
    }
    const admitted: Admitted = { client, bodyLimit: limits.bodyBytes, upstreamTimeoutMs: limits.upstreamTimeoutMs, stripAuthorization: route?.basicAuth !== undefined };
    const auth = route?.basicAuth;
    if (!auth) return this.#body(req, admitted);
    const outcome = this.#auth.check(req.headers.authorization, auth);
    return typeof outcome === 'string' ? this.#afterAuth(req, admitted, outcome, auth.realm) : outcome.then((o) => this.#afterAuth(req, admitted, o, auth.realm));
  }

  /** Counters for the status: per zone, and refusals by status. */
  stats(): { rateLimits: Record<string, ZoneStats>; refused: Record<string, number> } {
    return { rateLimits: this.#limiter.stats(), refused: Object.fromEntries([...this.#refused].map(([s, n]) => [String(s), n])) };
  }

  /** Counts a refusal made outside admit (node's own 400/408/431 answers). */
  countRefused(status: number): void {
    this.#refused.set(status, (this.#refused.get(status) ?? 0) + 1);
  }

  #afterAuth(req: IncomingMessage, admitted: Admitted, outcome: AuthOutcome, realm: string): Verdict | Promise<Verdict> {
    if (outcome === 'busy') return this.#refuse({ status: 503, headers: { 'retry-after': '1' } });
    if (outcome === 'denied') return this.#refuse({ status: 401, headers: { 'www-authenticate': challenge(realm) } });
    return this.#body(req, admitted);
  }

  #body(req: IncomingMessage, admitted: Admitted): Verdict | Promise<Verdict> {
    if (!bodyOfUnknownLength(req)) return { kind: 'pass', admitted };
    const max = Math.min(CHUNKED_PREREAD_BYTES, admitted.bodyLimit + 1);
    return prereadBody(req, max).then((preread): Verdict => {
      if (!preread) return { kind: 'refuse', refusal: { status: 400, close: true } }; // node answered already
      if (preread.bytes > admitted.bodyLimit) return this.#refuse({ status: 413, close: true });
      return { kind: 'pass', admitted: { ...admitted, preread } };
    });
  }

  #refuse(refusal: Refusal): Verdict {
    this.countRefused(refusal.status);
    return { kind: 'refuse', refusal };
  }
}
