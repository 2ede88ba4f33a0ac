import type { Stream, Writable } from 'node:stream';
import { SlipwayError } from '../errors.js';
import type { BackupKey } from './age-adapter.js';
import type { ChildStage } from './child-stage.js';
import { requireCodec } from './compression.js';
import { decodeStages } from './encoding.js';
import { runFlow } from './flow.js';
import type { Manifest } from './manifest.js';
import { Meter } from './meter.js';
import type { BackupTarget } from './target.js';

export interface ReadBackOptions {
  readonly target: BackupTarget;
  readonly manifest: Manifest;
  readonly key: BackupKey | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  /** Builds where the raw bytes go (a restore tool, `pg_restore --list`, or nowhere). */
  readonly sink: () => { readonly stream: Writable; readonly children: readonly ChildStage[] };
  /** Told the SHA-256 of the raw bytes once they all passed (verify records it when the manifest has none). */
  readonly onRawSha256?: (sha256: string) => void;
}

/** What a read-back proved, in order. */
export type ReadBackCheck = 'size' | 'sha256' | 'decrypt' | 'decompress' | 'raw-sha256' | 'raw-size';

/**
 * Streams a stored object back through SHA-256 → age decryption → decompression → SHA-256 of
 * the raw bytes → sink, and fails unless every stage and process succeeds and both hashes and
 * sizes match the manifest. Every chunk is authenticated before its plaintext moves on.
 */
export async function readBack(options: ReadBackOptions): Promise<ReadBackCheck[]> {
  const { manifest, target } = options;
  const stat = await target.stat(manifest.object.key);
  if (!stat) throw corrupt(manifest, `its object ${manifest.object.key} is missing`);
  if (stat.size !== manifest.object.bytes) throw corrupt(manifest, `its object is ${stat.size} bytes, the manifest says ${manifest.object.bytes}`);
  requireCodec(manifest.compression, options.env);
  const identity = identityFor(manifest, options.key);
  const body = await target.get(manifest.object.key);
  const objectMeter = new Meter();
  const rawMeter = new Meter();
  await runFlow(options.signal, () => {
    const decode = decodeStages({ codec: manifest.compression, identity, env: options.env });
    const sink = options.sink();
    const streams: Stream[] = [body, objectMeter, ...decode.streams, rawMeter, sink.stream];
    const children = [...decode.children, ...sink.children];
    return { streams, children };
  }).catch((err: unknown) => {
    throw damagedHeader(err, manifest, options.key);
  });
  if (objectMeter.sha256 !== manifest.object.sha256) throw corrupt(manifest, 'the SHA-256 of its object differs from the manifest');
  // Without a raw SHA-256 (pg_dump fed zstd directly), the size zstd counted is checked here and
  // the content by zstd itself: `zstd -d` fails on a frame whose XXH64 checksum differs.
  if (rawMeter.bytes !== manifest.raw.bytes || (manifest.raw.sha256 !== undefined && rawMeter.sha256 !== manifest.raw.sha256)) {
    throw corrupt(manifest, 'its data decrypts and decompresses, but not to the bytes the source produced');
  }
  options.onRawSha256?.(rawMeter.sha256);
  const checks: ReadBackCheck[] = ['size', 'sha256'];
  if (identity !== undefined) checks.push('decrypt');
  if (manifest.compression !== 'none') checks.push('decompress');
  checks.push(manifest.raw.sha256 !== undefined ? 'raw-sha256' : 'raw-size');
  return checks;
}

function identityFor(manifest: Manifest, key: BackupKey | undefined): string | undefined {
  if (manifest.encryption.kind === 'none') return undefined;
  if (!key?.identity) {
    throw new SlipwayError('SLW_BACKUP_KEY_MISSING', `Backup ${manifest.id} is encrypted; reading it needs the age identity of ${manifest.encryption.recipient}.`);
  }
  return key.identity;
}

/**
 * age reports a damaged recipient stanza as "no identity matched". When the configured key is
 * the very recipient the manifest names, that is damage, not a wrong key.
 */
function damagedHeader(err: unknown, manifest: Manifest, key: BackupKey | undefined): unknown {
  const sameRecipient = manifest.encryption.kind === 'age' && manifest.encryption.recipient === key?.recipient;
  if (err instanceof SlipwayError && err.code === 'SLW_BACKUP_KEY_MISMATCH' && sameRecipient) {
    return corrupt(manifest, 'its age header is damaged (the configured key is its recipient, yet cannot unwrap it)');
  }
  return err;
}

function corrupt(manifest: Manifest, why: string): SlipwayError {
  return new SlipwayError('SLW_BACKUP_CORRUPT', `Backup ${manifest.id} is corrupt: ${why}.`, { details: { id: manifest.id } });
}
