/**
 * DNS-01 through Cloudflare's API v4 (api.cloudflare.com/client/v4): an API token with DNS
 * Write on the zone (`Authorization: Bearer`), the zone found by name (`GET /zones?name=`)
 * unless its id is given, a TXT record created with `POST /zones/{zone_id}/dns_records` and
 * removed with `DELETE /zones/{zone_id}/dns_records/{id}` after looking it up by type, name
 * and content. Every answer is the API's envelope `{ success, errors, messages, result }`.
 * The token is sent in the header only: no error or detail carries it.
 */
import { SlipwayError } from '../errors.js';
import type { Dns01Provider, TxtRecord } from './dns01-provider.js';

export const CLOUDFLARE_API = 'https://api.cloudflare.com/client/v4';

export interface CloudflareOptions {
  readonly token: string;
  /** The zone's id; undefined: looked up by name from the record name upward. */
  readonly zoneId?: string | undefined;
  /** API base (default CLOUDFLARE_API; tests point it at a local server). */
  readonly baseUrl?: string;
  readonly ttl?: number;
  /** Deadline of one API call (default 15 s). */
  readonly timeoutMs?: number;
}

interface Envelope {
  success?: boolean;
  errors?: Array<{ code?: number; message?: string }>;
  result?: unknown;
}

/** Cloudflare's codes for a token it does not accept (invalid, expired, or without the permission). */
const AUTH_CODES = new Set([9103, 9106, 9109, 10000, 10001]);
/** "An identical record already exists.": present is idempotent. */
const IDENTICAL_RECORD = 81058;

export class CloudflareDns implements Dns01Provider {
  readonly #o: CloudflareOptions;
  readonly #zones = new Map<string, string>();

  constructor(options: CloudflareOptions) {
    this.#o = options;
  }

  async present(record: TxtRecord, signal?: AbortSignal): Promise<void> {
    const zone = await this.#zoneOf(record.name, signal);
    const body = { type: 'TXT', name: record.name, content: record.value, ttl: this.#o.ttl ?? 60 };
    const answer = await this.#call('POST', `/zones/${zone}/dns_records`, record, signal, body);
    if (!answer.success && !answer.errors?.some((e) => e.code === IDENTICAL_RECORD)) throw this.#refused(answer, record, 'create');
  }

  async cleanup(record: TxtRecord, signal?: AbortSignal): Promise<void> {
    const zone = await this.#zoneOf(record.name, signal);
    const query = new URLSearchParams({ type: 'TXT', name: record.name, content: record.value });
    const found = await this.#call('GET', `/zones/${zone}/dns_records?${query}`, record, signal);
    if (!found.success) throw this.#refused(found, record, 'list');
    for (const r of Array.isArray(found.result) ? (found.result as Array<{ id?: unknown; content?: unknown }>) : []) {
      if (typeof r.id !== 'string' || (r.content !== record.value && r.content !== `"${record.value}"`)) continue;
      const gone = await this.#call('DELETE', `/zones/${zone}/dns_records/${encodeURIComponent(r.id)}`, record, signal);
      if (!gone.success) throw this.#refused(gone, record, 'delete');
    }
  }

  /** The zone id: given, or the longest zone name the token sees that the record is under. */
  async #zoneOf(name: string, signal: AbortSignal | undefined): Promise<string> {
    if (this.#o.zoneId) return this.#o.zoneId;
    const labels = name.split('.');
    const cached = labels.map((_, i) => this.#zones.get(labels.slice(i).join('.'))).find((id) => id !== undefined);
    if (cached) return cached;
    for (let i = 1; i < labels.length - 1; i++) {
      const candidate = labels.slice(i).join('.');
      const answer = await this.#call('GET', `/zones?${new URLSearchParams({ name: candidate })}`, { name, value: '' }, signal);
      if (!answer.success) throw this.#refused(answer, { name, value: '' }, 'find the zone of');
      const zone = (Array.isArray(answer.result) ? (answer.result as Array<{ id?: unknown; name?: unknown }>) : []).find((z) => z.name === candidate);
      if (typeof zone?.id === 'string') {
        this.#zones.set(candidate, zone.id);
        return zone.id;
      }
    }
    throw new SlipwayError('SLW_CERT_DNS_REFUSED', `No Cloudflare zone that the API token sees holds ${name}.`, {
      hint: 'Give tls.acme.dns01.zoneId, or a token with Zone Read and DNS Write on the zone that holds the host.',
      details: { record: name },
    });
  }

  async #call(method: string, path: string, record: TxtRecord, signal: AbortSignal | undefined, body?: unknown): Promise<Envelope> {
    const timeout = AbortSignal.timeout(this.#o.timeoutMs ?? 15_000);
    let response: Response;
    try {
      response = await fetch(`${this.#o.baseUrl ?? CLOUDFLARE_API}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.#o.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      throw new SlipwayError('SLW_CERT_DNS_UNREACHABLE', `The Cloudflare API did not answer (${method} ${path.split('?')[0] ?? ''}) for ${record.name}: ${err instanceof Error ? err.message : String(err)}.`, {
        details: { record: record.name },
      });
    }
    const answer = (await response.json().catch(() => ({}))) as Envelope;
    const codes = answer.errors?.map((e) => e.code) ?? [];
    if (response.status === 401 || response.status === 403 || codes.some((c) => c !== undefined && AUTH_CODES.has(c))) {
      throw new SlipwayError('SLW_CERT_DNS_BAD_CREDENTIALS', `The Cloudflare API did not accept the API token for ${record.name} (HTTP ${response.status}: ${messages(answer)}).`, {
        details: { record: record.name, status: response.status, errors: codes },
      });
    }
    return { ...answer, success: answer.success === true && response.ok };
  }

  #refused(answer: Envelope, record: TxtRecord, what: string): SlipwayError {
    return new SlipwayError('SLW_CERT_DNS_REFUSED', `The Cloudflare API refused to ${what} the TXT record ${record.name}: ${messages(answer)}.`, {
      details: { record: record.name, errors: answer.errors?.map((e) => e.code) ?? [] },
    });
  }
}

function messages(answer: Envelope): string {
  const text = answer.errors?.map((e) => `${e.code ?? '?'} ${e.message ?? ''}`.trim()).join('; ');
  return text ? text.slice(0, 300) : 'no error given';
}
