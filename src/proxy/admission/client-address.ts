import { isIP } from 'node:net';
import { AddressList } from '../../lib/address-list.js';

/**
 * The real client address of a request. The peer address is the client unless the peer is a
 * trusted proxy (proxy.trustedProxies); then X-Forwarded-For is read from the right, skipping
 * trusted hops, and the first untrusted address is the client. X-Forwarded-For sent by anyone
 * else is never believed.
 */
export class TrustedProxies {
  readonly #list: AddressList;
  readonly empty: boolean;

  /** `cidrs`: "10.0.0.0/8", "2001:db8::/32", or single addresses; invalid entries are skipped (the config checked them). */
  constructor(cidrs: readonly string[]) {
    this.#list = new AddressList(cidrs);
    this.empty = this.#list.size === 0;
  }

  trusts(address: string): boolean {
    return this.#list.has(address);
  }

  /** The client address for a peer and the X-Forwarded-For it sent. */
  clientOf(peer: string, forwardedFor: string | string[] | undefined): string {
    if (forwardedFor === undefined || !this.trusts(peer)) return peer;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = plainAddress((hops[i] ?? '').trim());
      if (isIP(hop) === 0) return client; // garbage: stop at the last address we could vouch for
      client = hop;
      if (!this.trusts(hop)) return hop;
    }
    return client;
  }
}

/** An address without the IPv4-mapped IPv6 prefix (and without brackets). */
export function plainAddress(address: string): string {
  let a = address;
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  return a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}
