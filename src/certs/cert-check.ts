import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { SlipwayError } from '../errors.js';

/** What the store and `certs list` know of one certificate. */
export interface CertSummary {
  readonly subject: string;
  readonly issuer: string;
  readonly names: readonly string[];
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
}

export interface CertCheckInput {
  readonly fullchain: string;
  readonly privkey: string;
  /** Every host the certificate must cover (exact or "*.suffix"). */
  readonly hosts: readonly string[];
  readonly now?: Date;
}

/**
 * Refuses a pair that cannot serve `hosts`: unreadable PEM, a key that does not match the
 * leaf, a leaf outside its validity window, or a host not covered. Returns the leaf's summary.
 */
export function checkCertificate(input: CertCheckInput): CertSummary {
  const { leaf, key } = parsePair(input.fullchain, input.privkey);
  if (!leaf.checkPrivateKey(key)) {
    throw new SlipwayError('SLW_CERT_KEY_MISMATCH', `The certificate for ${leaf.subject.replace(/\n/g, ', ')} does not match the private key given with it.`);
  }
  const now = input.now ?? new Date();
  const from = new Date(leaf.validFrom);
  const to = new Date(leaf.validTo);
  if (now < from || now >= to) {
    const when = now >= to ? `expired on ${to.toISOString()}` : `is not valid before ${from.toISOString()}`;
    throw new SlipwayError('SLW_CERT_EXPIRED', `The certificate ${when}.`, { details: { notBefore: from.toISOString(), notAfter: to.toISOString() } });
  }
  const names = certNames(leaf);
  const missing = input.hosts.filter((h) => !covers(leaf, names, h));
  if (missing.length > 0) {
    throw new SlipwayError('SLW_CERT_WRONG_HOST', `The certificate covers ${names.join(', ') || 'no names'}, not ${missing.join(', ')}.`, {
      details: { names, missing },
    });
  }
  return summarize(leaf);
}

/** The leaf (first certificate of the chain) and the key, or SLW_CERT_UNREADABLE. */
export function parsePair(fullchain: string, privkey: string): { leaf: X509Certificate; key: KeyObject } {
  let leaf: X509Certificate;
  let key: KeyObject;
  try {
    leaf = new X509Certificate(fullchain);
  } catch (err) {
    throw new SlipwayError('SLW_CERT_UNREADABLE', 'The certificate is not a PEM certificate.', { cause: err });
  }
  try {
    key = createPrivateKey(privkey);
  } catch (err) {
    throw new SlipwayError('SLW_CERT_UNREADABLE', 'The private key is not a PEM private key.', { cause: err });
  }
  return { leaf, key };
}

export function summarize(leaf: X509Certificate): CertSummary {
  return {
    subject: leaf.subject.replace(/\n/g, ', '),
    issuer: leaf.issuer.replace(/\n/g, ', '),
    names: certNames(leaf),
    serial: leaf.serialNumber.toLowerCase(),
    notBefore: new Date(leaf.validFrom).toISOString(),
    notAfter: new Date(leaf.validTo).toISOString(),
  };
}

/** DNS and IP names of the subject alternative name extension. */
export function certNames(leaf: X509Certificate): string[] {
  const san = leaf.subjectAltName ?? '';
  return san
    .split(/,\s*/)
    .map((part) => /^(?:DNS|IP Address):(.+)$/.exec(part.trim())?.[1])
    .filter((n): n is string => n !== undefined)
    .map((n) => n.toLowerCase());
}

function covers(leaf: X509Certificate, names: readonly string[], host: string): boolean {
  const h = host.toLowerCase();
  // A route wildcard "*.example.com" needs the same wildcard in the certificate.
  if (h.startsWith('*.')) return names.includes(h);
  if (/^[\d.]+$/.test(h) || h.includes(':')) return leaf.checkIP(h) !== undefined;
  return leaf.checkHost(h, { subject: 'never' }) !== undefined;
}
