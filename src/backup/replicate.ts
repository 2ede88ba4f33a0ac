import { SlipwayError } from '../errors.js';
import type { BackupKey } from './age-adapter.js';
import { ignoreEvents, type EmitBackupEvent } from './events.js';
import type { Manifest } from './manifest.js';
import type { BackupRepository } from './repository.js';
import { verifyBackup, type VerifyOutcome } from './verify.js';

export interface ReplicateOptions {
  readonly manifest: Manifest;
  readonly from: BackupRepository;
  readonly to: BackupRepository;
  readonly key: BackupKey | 'unencrypted';
  readonly env?: NodeJS.ProcessEnv;
  readonly emit?: EmitBackupEvent;
  readonly signal?: AbortSignal;
}

/**
 * Copies a committed backup to another target with the same commit protocol: the object,
 * streamed as stored (already compressed and encrypted), then the manifest; then verifies the
 * copy by reading it back from that target (SHA-256 against the manifest, decryption, format),
 * so a copy damaged on the way is never listed as good. Throws when the copy fails.
 */
export async function replicateBackup(o: ReplicateOptions): Promise<VerifyOutcome | undefined> {
  const { manifest } = o;
  const emit = o.emit ?? ignoreEvents;
  const signal = o.signal ?? new AbortController().signal;
  const body = await o.from.target.get(manifest.object.key);
  const stored = await o.to.target.put(manifest.object.key, body, signal);
  if (stored.bytes !== manifest.object.bytes) {
    await o.to.target.delete(manifest.object.key).catch(() => undefined);
    throw new SlipwayError('SLW_BACKUP_TARGET_WRITE_FAILED', `Copying ${manifest.object.key} to ${o.to.target.description} stored ${stored.bytes} of ${manifest.object.bytes} bytes; the copy was removed.`);
  }
  await o.to.commit(manifest);
  emit({ type: 'backup.committed', source: manifest.source.name, id: manifest.id, manifest });
  const identity = o.key === 'unencrypted' ? undefined : o.key.identity;
  if (o.key !== 'unencrypted' && identity === undefined) return undefined;
  return verifyBackup({
    repo: o.to,
    backup: manifest,
    key: o.key === 'unencrypted' ? undefined : o.key,
    ...(o.env ? { env: o.env } : {}),
    emit,
    ...(o.signal ? { signal: o.signal } : {}),
  });
}
