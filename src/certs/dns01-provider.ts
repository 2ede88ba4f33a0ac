/**
 * DNS-01 (RFC 8555 §8.4): the CA looks up a TXT record at `_acme-challenge.<name>`. A provider
 * is what adds and removes that record in the zone: RFC 2136 dynamic updates (any DNS server)
 * or a hosted DNS API. Providers add only the value they are given and remove only that value,
 * so two orders for `example.com` and `*.example.com` can share the record name.
 */

/** One TXT value at one name (a fully qualified name, no trailing dot). */
export interface TxtRecord {
  readonly name: string;
  readonly value: string;
}

export interface Dns01Provider {
  /** Adds the TXT value (leaving other values at the name alone); throws SLW_CERT_DNS_* when refused. */
  present(record: TxtRecord, signal?: AbortSignal): Promise<void>;
  /** Removes exactly that value; a value already gone is not an error. */
  cleanup(record: TxtRecord, signal?: AbortSignal): Promise<void>;
}

/** The record name the CA queries for an identifier (`*.example.com` and `example.com` share it). */
export function challengeName(identifier: string): string {
  return `_acme-challenge.${identifier.replace(/^\*\./, '').replace(/\.$/, '').toLowerCase()}`;
}
