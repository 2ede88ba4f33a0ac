/**
 * The one file that imports @peculiar/x509: node:crypto parses and verifies certificates but
 * cannot sign one, so building them (local CA root and leaves, test fixtures) goes through
 * this library over node:crypto's WebCrypto. Keys are ECDSA P-256.
 */
import * as x509 from '@peculiar/x509';
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';

type Provider = Parameters<typeof x509.cryptoProvider.set>[0];
type Key = webcrypto.CryptoKey;
type KeyPair = webcrypto.CryptoKeyPair;
// The library types keys with the DOM's CryptoKey; node's webcrypto keys are the same objects at
// run time, typed apart. Every `as unknown as LibKey` / `Provider` in this file bridges only that.
type LibKey = Parameters<typeof x509.SubjectKeyIdentifierExtension.create>[0];

x509.cryptoProvider.set(webcrypto as unknown as Provider);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

export interface PemPair {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface Validity {
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

/** A self-signed root CA (path length 0) valid for `days`. */
export async function createRootCa(commonName: string, days: number): Promise<PemPair> {
  const keys = await generateKeys();
  const notBefore = new Date(Date.now() - 60_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${escapeDn(commonName)}`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + days * DAY_MS),
    signingAlgorithm: ALG,
    keys: keys as unknown as { publicKey: LibKey; privateKey: LibKey }, // node webcrypto keys, typed as DOM keys by the library
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as unknown as LibKey),
    ],
  });
  return { certPem: pemLines(cert.toString('pem')), keyPem: await exportKey(keys.privateKey) };
}

/** A server certificate for `names` (DNS names or IP addresses) signed by the CA. */
export async function signLeaf(ca: PemPair, names: readonly string[], validity: Validity & { days?: number } = {}): Promise<PemPair> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importKey(ca.keyPem);
  const keys = await generateKeys();
  const notBefore = validity.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = validity.notAfter ?? new Date(notBefore.getTime() + (validity.days ?? 30) * DAY_MS);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${escapeDn(names[0] ?? 'localhost')}`,
    issuer: caCert.subject,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    publicKey: keys.publicKey as unknown as LibKey,
    signingKey: caKey as unknown as LibKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((n) => (isIP(n) ? { type: 'ip', value: n } : { type: 'dns', value: n }))),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { certPem: pemLines(cert.toString('pem')), keyPem: await exportKey(keys.privateKey) };
}

/**
 * The ACME Renewal Information certificate id of a PEM certificate (RFC 9773 §4.1): the
 * base64url keyIdentifier of its Authority Key Identifier, ".", and the base64url of its
 * serial number's DER content octets. Undefined when the certificate has no AKI keyIdentifier.
 */
export function ariCertId(certPem: string): string | undefined {
  const cert = new x509.X509Certificate(certPem);
  const keyId = cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
  if (!keyId) return undefined;
  let serialHex = cert.serialNumber.length % 2 === 0 ? cert.serialNumber : `0${cert.serialNumber}`;
  while (serialHex.length > 2 && serialHex.startsWith('00') && Number.parseInt(serialHex.slice(2, 4), 16) < 0x80) serialHex = serialHex.slice(2);
  const serialBytes = Buffer.from(serialHex, 'hex');
  const der = (serialBytes[0] ?? 0) >= 0x80 ? Buffer.concat([Buffer.from([0]), serialBytes]) : serialBytes;
  return `${Buffer.from(keyId, 'hex').toString('base64url')}.${der.toString('base64url')}`;
}

/** RFC 8737 id-pe-acmeIdentifier. */
const ACME_IDENTIFIER_OID = '1.3.6.1.5.5.7.1.31';

/**
 * The TLS-ALPN-01 answer for `name` (RFC 8737 §3): a self-signed certificate whose only SAN is
 * `name` and which carries the critical acmeIdentifier extension, the SHA-256 of the key
 * authorization as a DER OCTET STRING. Valid for a day; the key is thrown away with it.
 */
export async function createAlpnChallengeCert(name: string, keyAuthorization: string): Promise<PemPair> {
  const keys = await generateKeys();
  const digest = createHash('sha256').update(keyAuthorization).digest();
  const notBefore = new Date(Date.now() - 60_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${escapeDn(name)}`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + DAY_MS),
    signingAlgorithm: ALG,
    keys: keys as unknown as { publicKey: LibKey; privateKey: LibKey }, // node webcrypto keys, typed as DOM keys by the library
    extensions: [
      new x509.SubjectAlternativeNameExtension([isIP(name) ? { type: 'ip', value: name } : { type: 'dns', value: name }]),
      new x509.Extension(ACME_IDENTIFIER_OID, true, Buffer.concat([Buffer.from([0x04, digest.length]), digest])),
    ],
  });
  return { certPem: pemLines(cert.toString('pem')), keyPem: await exportKey(keys.privateKey) };
}

/** PEM with \n line ends and a final newline, so chains concatenate. */
function pemLines(pem: string): string {
  return `${pem.replace(/\r\n/g, '\n').trimEnd()}\n`;
}

async function generateKeys(): Promise<KeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as KeyPair;
}

async function exportKey(key: Key): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`;
}

async function importKey(pem: string): Promise<Key> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return (await webcrypto.subtle.importKey('pkcs8', der, ALG, false, ['sign'])) as Key;
}

/** A positive 128-bit serial (RFC 5280 allows up to 20 octets). */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

function escapeDn(value: string): string {
  return value.replace(/([,+"\\<>;=])/g, '\\$1');
}
