/**
 * The secrets key: 32 random bytes, from SLIPWAY_SECRETS_KEY (64 hex digits or base64) or from
 * <state>/secrets/key (mode 0600, created once on first use, never beside a store it did not make).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SlipwayError } from '../errors.js';
import { createExclusive } from '../lib/exclusive-create.js';

export const KEY_ENV = 'SLIPWAY_SECRETS_KEY';
const KEY_BYTES = 32;

export function secretsDir(stateDir: string): string {
  return join(stateDir, 'secrets');
}

export function keyFile(stateDir: string): string {
  return join(secretsDir(stateDir), 'key');
}

export function parseKey(text: string, from: string): Buffer {
  const trimmed = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (bytes.length !== KEY_BYTES || (!/^[0-9a-fA-F]{64}$/.test(trimmed) && !/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed))) {
    throw new SlipwayError('SLW_SECRETS_BAD_KEY', `The secrets key in ${from} is not 32 bytes written as 64 hex digits or base64.`);
  }
  return bytes;
}

/** A short public fingerprint of a key, stored in each store's header to tell a wrong key from damage. */
export function keyId(key: Buffer): Buffer {
  return createHash('sha256').update('slipway-secrets-key-id\0').update(key).digest().subarray(0, 8);
}

export interface KeyOptions {
  readonly stateDir: string;
  readonly environ: NodeJS.ProcessEnv;
  /** Create the key file when there is none (writers); readers only load. */
  readonly create: boolean;
}

/** The key, or undefined when there is none and `create` is false. */
export async function loadKey(o: KeyOptions): Promise<Buffer | undefined> {
  const fromEnv = o.environ[KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return parseKey(fromEnv, KEY_ENV);
  const file = keyFile(o.stateDir);
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new SlipwayError('SLW_SECRETS_UNREADABLE', `The secrets key ${file} could not be read (${err.code ?? 'error'}).`, { cause: err });
  });
  if (text !== undefined) {
    const mode = (await stat(file)).mode & 0o077;
    if (mode !== 0) {
      throw new SlipwayError('SLW_SECRETS_UNREADABLE', `The secrets key ${file} is readable by other users (mode ${((await stat(file)).mode & 0o777).toString(8)}).`, {
        hint: `Run chmod 600 ${file}; slipway refuses a key others may have read.`,
      });
    }
    return parseKey(text, file);
  }
  if (!o.create) return undefined;
  const key = randomBytes(KEY_BYTES);
  if (await createOnce(file, `${key.toString('hex')}\n`)) return key;
  // Another process (a `secrets set` of another environment) made the key first: use theirs.
  return loadKey({ ...o, create: false });
}

/**
 * Writes the key file whole (0600, fsynced) unless it exists: two processes creating the key at
 * once end up with one key, never one each.
 */
async function createOnce(file: string, text: string): Promise<boolean> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  return createExclusive(file, text, { tag: String(process.pid), durable: true });
}
