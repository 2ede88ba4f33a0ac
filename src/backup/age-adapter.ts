import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Duplex, Readable, Writable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { SlipwayError } from '../errors.js';

/**
 * The one file that imports `age-encryption` (typage, by the author of age). Everything it
 * writes is the standard age v1 format, so `age -d -i key.txt` decrypts any backup.
 */

/** The key of backups.key: an identity can encrypt, verify and restore; a recipient only encrypt. */
export interface BackupKey {
  readonly recipient: string;
  readonly identity?: string;
}

const NO_MATCH = "no identity matched any of the file's recipients";

/** Parses `AGE-SECRET-KEY-1…` (identity) or `age1…` (recipient). Never puts the key in a message. */
export async function parseBackupKey(text: string): Promise<BackupKey> {
  const key = text.trim();
  try {
    if (key.startsWith('AGE-SECRET-KEY-1')) return { identity: key, recipient: await identityToRecipient(key) };
    if (key.startsWith('age1') && !key.startsWith('age1pq') && !key.startsWith('age1tag')) {
      const probe = new Encrypter();
      probe.addRecipient(key);
      await probe.encrypt(''); // parses the recipient
      return { recipient: key };
    }
  } catch (err) {
    throw keyInvalid(err);
  }
  throw keyInvalid(undefined);
}

function keyInvalid(cause: unknown): SlipwayError {
  return new SlipwayError('SLW_BACKUP_KEY_INVALID', 'The backup key is not an age X25519 identity (AGE-SECRET-KEY-1…) or recipient (age1…).', {
    cause,
  });
}

/** A fresh X25519 identity (`secrets generate --kind age`, tests). */
export async function generateBackupKey(): Promise<Required<BackupKey>> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

/** A Duplex: plaintext in, age ciphertext for `recipient` out (64 KiB authenticated chunks). */
export function encryptStream(recipient: string): Duplex {
  const pipe = new TransformStream<Uint8Array, Uint8Array>();
  const encrypter = new Encrypter();
  encrypter.addRecipient(recipient);
  const out = encrypter.encrypt(pipe.readable);
  return joinDuplex(pipe.writable, out);
}

/**
 * A Duplex: age ciphertext in, plaintext out. Fails with SLW_BACKUP_KEY_MISMATCH when the
 * identity is not a recipient of the file, and SLW_BACKUP_CORRUPT when the header or any
 * chunk fails authentication (a chunk's plaintext is released only after its tag checks).
 */
export function decryptStream(identity: string): Duplex {
  const pipe = new TransformStream<Uint8Array, Uint8Array>();
  const decrypter = new Decrypter();
  decrypter.addIdentity(identity);
  const out = decrypter.decrypt(pipe.readable);
  return joinDuplex(pipe.writable, out, classifyDecryptError);
}

function classifyDecryptError(err: unknown): SlipwayError {
  const message = err instanceof Error ? err.message : String(err);
  if (message === NO_MATCH) {
    return new SlipwayError('SLW_BACKUP_KEY_MISMATCH', 'The backup key is not a recipient of this backup, so it cannot decrypt it.', {
      cause: err,
    });
  }
  return new SlipwayError('SLW_BACKUP_CORRUPT', `The backup does not decrypt: ${message}.`, { cause: err });
}

function joinDuplex(
  writable: WritableStream<Uint8Array>,
  readable: Promise<ReadableStream<Uint8Array>>,
  mapError: (err: unknown) => Error = (err) => (err instanceof Error ? err : new Error(String(err))),
): Duplex {
  readable.catch(() => undefined); // handled by the generator below; this only keeps it from counting as unhandled
  async function* chunks(): AsyncGenerator<Uint8Array> {
    try {
      const stream = Readable.fromWeb((await readable) as WebReadableStream<Uint8Array>);
      for await (const chunk of stream) yield chunk as Uint8Array;
    } catch (err) {
      throw mapError(err);
    }
  }
  const writer = writable.getWriter();
  writer.closed.catch(() => undefined); // failures surface through write/close below
  const w = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      writer.ready.then(
        () => {
          writer.write(chunk).catch(() => undefined); // an error here also errors `ready` and the readable side
          callback();
        },
        (err: unknown) => callback(mapError(err)),
      );
    },
    final(callback) {
      writer.close().then(
        () => callback(),
        (err: unknown) => callback(mapError(err)),
      );
    },
    destroy(err, callback) {
      writer.abort(err ?? undefined).catch(() => undefined);
      callback(err);
    },
  });
  return Duplex.from({ writable: w, readable: Readable.from(chunks(), { objectMode: false }) });
}

let version: string | undefined;

/** The version of age-encryption, for manifests. */
export function ageLibraryVersion(): string {
  if (version !== undefined) return version;
  try {
    const entry = createRequire(import.meta.url).resolve('age-encryption');
    const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version?: string };
    version = `age-encryption ${pkg.version ?? 'unknown'}`;
  } catch {
    version = 'age-encryption unknown';
  }
  return version;
}
