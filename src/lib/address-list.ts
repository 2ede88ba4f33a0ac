import { BlockList, isIP } from 'node:net';

/**
 * A set of IP addresses and CIDR blocks ("10.0.0.0/8", "2001:db8::/32", "192.0.2.7"), asked
 * whether it holds one address. IPv4-mapped IPv6 addresses ("::ffff:10.1.2.3") are matched as
 * the IPv4 address they carry. Invalid entries are skipped: the config checked them (isCidr).
 */
export class AddressList {
  readonly #list = new BlockList();
  readonly size: number;

  constructor(entries: readonly string[]) {
    let added = 0;
    for (const entry of entries) {
      const [address = '', bits] = entry.split('/');
      const family = isIP(address);
      if (family === 0) continue;
      const max = family === 4 ? 32 : 128;
      const prefix = bits === undefined ? max : Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) continue;
      this.#list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
      added++;
    }
    this.size = added;
  }

  /** False for anything that is not an IP address. */
  has(address: string): boolean {
    if (this.size === 0) return false;
    const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(plain);
    return family !== 0 && this.#list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** allow/deny lists as the proxy and the admin listener apply them: a denied address is refused, then one outside a non-empty allow list. */
export class AccessRule {
  readonly #allow: AddressList | undefined;
  readonly #deny: AddressList | undefined;

  constructor(rule: { readonly allow?: readonly string[] | undefined; readonly deny?: readonly string[] | undefined }) {
    this.#allow = rule.allow === undefined ? undefined : new AddressList(rule.allow);
    this.#deny = rule.deny === undefined ? undefined : new AddressList(rule.deny);
  }

  /** `client`: the real client address (after trusted proxies). */
  permits(client: string): boolean {
    if (this.#deny?.has(client)) return false;
    return this.#allow === undefined || this.#allow.has(client);
  }
}
