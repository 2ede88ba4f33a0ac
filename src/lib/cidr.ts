import { isIP } from 'node:net';

/** An IP address or CIDR block ("10.0.0.0/8", "2001:db8::/32", "192.0.2.7"). */
export function isCidr(text: string): boolean {
  const [address = '', bits, extra] = text.split('/');
  if (extra !== undefined) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}
