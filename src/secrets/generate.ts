/** Secret values from the OS CSPRNG (node:crypto): tokens, passwords, uuids, key pairs. */
import { generateKeyPairSync, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { SlipwayError } from '../errors.js';

const DEFAULT_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_.~!@#%^*+=';

export type { GeneratorSpec } from './generator-schema.js';
import type { GeneratorSpec } from './generator-schema.js';

export type GeneratorKind = GeneratorSpec['kind'];

/** A generated or set value: one string, or named parts (key pairs) stored together. */
export type SecretValue = string | Readonly<Record<string, string>>;

export async function generate(spec: GeneratorSpec): Promise<SecretValue> {
  switch (spec.kind) {
    case 'hex':
      return randomBytes(spec.bytes).toString('hex');
    case 'base64url':
      return randomBytes(spec.bytes).toString('base64url');
    case 'password':
      return password(spec.length, spec.alphabet ?? DEFAULT_ALPHABET);
    case 'uuid':
      return randomUUID();
    case 'rsa':
      return pemPair(generateKeyPairSync('rsa', { modulusLength: spec.bits }));
    case 'ec':
      return pemPair(generateKeyPairSync('ec', { namedCurve: spec.curve }));
    case 'vapid':
      return vapid();
    case 'age': {
      // age-encryption loads only for this kind (the one adapter that imports it).
      const { generateBackupKey } = await import('../backup/age-adapter.js');
      return (await generateBackupKey()).identity;
    }
  }
}

/** Uniform over the alphabet (randomInt rejects biased draws). */
function password(length: number, alphabet: string): string {
  const chars = [...new Set(alphabet)];
  let out = '';
  for (let i = 0; i < length; i++) out += chars[randomInt(chars.length)];
  return out;
}

function pemPair(pair: { publicKey: import('node:crypto').KeyObject; privateKey: import('node:crypto').KeyObject }): Record<string, string> {
  return {
    publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/**
 * Web-push VAPID keys (RFC 8292): a P-256 pair as web-push libraries take them: the public key
 * is the uncompressed point (65 bytes), the private key the 32-byte scalar, both base64url.
 */
function vapid(): Record<string, string> {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  const pub = publicKey.export({ format: 'jwk' });
  if (!jwk.d || !pub.x || !pub.y) throw new SlipwayError('SLW_INTERNAL', 'node:crypto returned a P-256 key without its coordinates.');
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(pub.x, 'base64url'), Buffer.from(pub.y, 'base64url')]);
  return { publicKey: point.toString('base64url'), privateKey: jwk.d };
}
