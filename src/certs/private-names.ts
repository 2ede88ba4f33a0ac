import { isIP } from 'node:net';

const PRIVATE_SUFFIXES = ['.localhost', '.local', '.internal', '.test', '.home.arpa', '.lan'];

/**
 * Whether the local CA may sign `host`: localhost and its subdomains, special-use and
 * single-label names, loopback and private addresses. Public names go to ACME.
 */
export function isPrivateName(host: string): boolean {
  const h = host.toLowerCase().replace(/^\*\./, 'x.');
  if (isIP(h) === 4) return /^(127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(h);
  if (isIP(h) === 6) return h === '::1' || /^f[cd]/.test(h);
  if (h === 'localhost' || !h.includes('.')) return true;
  return PRIVATE_SUFFIXES.some((s) => h.endsWith(s));
}
