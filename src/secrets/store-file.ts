/**
 * The encrypted form of one environment's store: AES-256-GCM (node:crypto), one fresh 96-bit
 * nonce per write. Layout (all authenticated; the header is the GCM additional data):
 *
 *   "SLWSEC" | format 1 (1 byte) | key id (8) | nonce (12) | plaintext length (4, BE) | env length (1) | env | ciphertext | tag (16)
 *
 * The key id tells a wrong key (SLW_SECRETS_WRONG_KEY) from damage (SLW_SECRETS_CORRUPT); the
 * length tells a cut file (SLW_SECRETS_TRUNCATED); the environment name in the additional data
 * refuses a store copied under another environment's name.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SlipwayError } from '../errors.js';
import { keyId } from './key.js';

const MAGIC = Buffer.from('SLWSEC');
const FORMAT = 1;
const TAG = 16;
const FIXED = MAGIC.length + 1 + 8 + 12 + 4 + 1;

export function seal(plain: Buffer, key: Buffer, env: string): Buffer {
  const envBytes = Buffer.from(env);
  const nonce = randomBytes(12);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(plain.length);
  const header = Buffer.concat([MAGIC, Buffer.from([FORMAT]), keyId(key), nonce, length, Buffer.from([envBytes.length]), envBytes]);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(header);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([header, body, cipher.getAuthTag()]);
}

export function open(data: Buffer, key: Buffer, env: string, file: string): Buffer {
  if (data.length < FIXED || !data.subarray(0, MAGIC.length).equals(MAGIC)) {
    if (data.length < FIXED && MAGIC.subarray(0, data.length).equals(data.subarray(0, MAGIC.length))) {
      throw new SlipwayError('SLW_SECRETS_TRUNCATED', `The secret store ${file} is cut short (${data.length} bytes, shorter than its header).`);
    }
    throw new SlipwayError('SLW_SECRETS_CORRUPT', `The secret store ${file} does not start with slipway's header.`);
  }
  if (data[MAGIC.length] !== FORMAT) {
    throw new SlipwayError('SLW_SECRETS_CORRUPT', `The secret store ${file} has format ${data[MAGIC.length]}, which this slipway does not read.`);
  }
  const id = data.subarray(MAGIC.length + 1, MAGIC.length + 9);
  const nonce = data.subarray(MAGIC.length + 9, MAGIC.length + 21);
  const length = data.readUInt32BE(MAGIC.length + 21);
  const envLength = data[FIXED - 1] ?? 0;
  const headerEnd = FIXED + envLength;
  if (data.length < headerEnd + length + TAG) {
    throw new SlipwayError('SLW_SECRETS_TRUNCATED', `The secret store ${file} is cut short: ${data.length} bytes where its header announces ${headerEnd + length + TAG}.`);
  }
  if (!id.equals(keyId(key))) {
    throw new SlipwayError('SLW_SECRETS_WRONG_KEY', `The secret store ${file} was encrypted with another key (key id ${id.toString('hex')}, this key is ${keyId(key).toString('hex')}).`);
  }
  if (data.length !== headerEnd + length + TAG || data.subarray(FIXED, headerEnd).toString() !== env) {
    throw new SlipwayError('SLW_SECRETS_CORRUPT', `The secret store ${file} does not belong to environment "${env}" or has extra bytes.`);
  }
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(data.subarray(0, headerEnd));
  decipher.setAuthTag(data.subarray(headerEnd + length));
  try {
    return Buffer.concat([decipher.update(data.subarray(headerEnd, headerEnd + length)), decipher.final()]);
  } catch (err) {
    throw new SlipwayError('SLW_SECRETS_CORRUPT', `The secret store ${file} failed its authentication check: it was changed or damaged.`, { cause: err });
  }
}
