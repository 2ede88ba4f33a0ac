import { SlipwayError } from '../errors.js';
import { decodeManifest, encodeManifest, type Manifest } from './manifest.js';
import type { BackupTarget } from './target.js';
import { decodeVerification, encodeVerification, type VerificationRecord } from './verification-record.js';

/**
 * verified: the last verification passed and the object has not changed since.
 * unverified: never verified (or the object changed since, or the record is unreadable).
 * failed: the last verification failed. broken: the manifest is damaged or its object is gone.
 * Only `verified` backups are good: restored by default, counted by retention.
 */
export type BackupState = 'verified' | 'unverified' | 'failed' | 'broken';

export interface BackupEntry {
  readonly id: string;
  readonly source: string;
  readonly state: BackupState;
  /** Absent when the manifest is broken. */
  readonly manifest?: Manifest;
  readonly verification?: VerificationRecord;
  /** Why the backup is not good, for listings. */
  readonly problem?: string;
}

const MANIFEST = '.manifest.json';
const VERIFY = '.verify.json';

export function manifestKey(source: string, id: string): string {
  return `${source}/${id}${MANIFEST}`;
}

function verifyKey(source: string, id: string): string {
  return `${source}/${id}${VERIFY}`;
}

/**
 * The layout of backups on a target and the commit protocol: the object first, the manifest
 * last. A backup exists once its manifest does; an object without one is an orphan (a crash
 * or a failure between the two writes) that listings ignore and pruning removes.
 */
export class BackupRepository {
  readonly target: BackupTarget;

  constructor(target: BackupTarget) {
    this.target = target;
  }

  async commit(manifest: Manifest): Promise<void> {
    await this.target.putSmall(manifestKey(manifest.source.name, manifest.id), encodeManifest(manifest));
  }

  async recordVerification(manifest: Manifest, record: VerificationRecord): Promise<void> {
    await this.target.putSmall(verifyKey(manifest.source.name, manifest.id), encodeVerification(record));
  }

  /** The manifest of a backup; SLW_BACKUP_NOT_FOUND or SLW_BACKUP_MANIFEST_INVALID. */
  async manifest(id: string): Promise<Manifest> {
    const key = (await this.target.list()).find((k) => k.endsWith(`/${id}${MANIFEST}`));
    const data = key ? await this.target.getSmall(key) : undefined;
    if (!key || !data) throw new SlipwayError('SLW_BACKUP_NOT_FOUND', `There is no backup ${id} in ${this.target.description}.`);
    const manifest = decodeManifest(data, key);
    if (manifest.id !== id) {
      throw new SlipwayError('SLW_BACKUP_MANIFEST_INVALID', `The manifest ${key} names another backup (${manifest.id}).`);
    }
    return manifest;
  }

  /**
   * Every backup with its state, newest first (by the time it was made, not by name). Given
   * the configured key's recipient, a backup encrypted for another key is never good: the
   * current key cannot restore it, whatever its last verification said.
   */
  async list(options: { readonly recipient?: string } = {}): Promise<BackupEntry[]> {
    const keys = await this.target.list();
    const entries = await Promise.all(keys.filter((k) => k.endsWith(MANIFEST)).map((k) => this.#entry(k, options.recipient)));
    return entries.sort(newestFirst);
  }

  async #entry(key: string, recipient: string | undefined): Promise<BackupEntry> {
    const [source = '', file = ''] = key.split('/');
    const id = file.slice(0, -MANIFEST.length);
    let manifest: Manifest;
    try {
      manifest = decodeManifest((await this.target.getSmall(key)) ?? new Uint8Array(), key);
    } catch (err) {
      return { id, source, state: 'broken', problem: (err as Error).message };
    }
    const [stat, verification] = await Promise.all([
      this.target.stat(manifest.object.key),
      this.target.getSmall(verifyKey(source, id)).then(decodeVerification),
    ]);
    const base = { id, source, manifest, ...(verification ? { verification } : {}) };
    if (!stat) return { ...base, state: 'broken', problem: `its object ${manifest.object.key} is missing` };
    if (stat.size !== manifest.object.bytes) {
      return { ...base, state: 'broken', problem: `its object is ${stat.size} bytes, the manifest says ${manifest.object.bytes}` };
    }
    const encryption = manifest.encryption;
    if (recipient !== undefined && encryption.kind === 'age' && encryption.recipient !== recipient) {
      return { ...base, state: 'failed', problem: `it is encrypted for ${encryption.recipient}, not for the configured key` };
    }
    if (!verification || verification.objectSha256 !== manifest.object.sha256) return { ...base, state: 'unverified' };
    if (!verification.ok) return { ...base, state: 'failed', problem: verification.error?.message ?? 'verification failed' };
    if (verification.object && verification.object.version !== stat.version) {
      return { ...base, state: 'unverified', problem: 'the object changed since it was verified' };
    }
    return { ...base, state: 'verified' };
  }

  /** Stored objects that no manifest names (listings ignore them; pruning removes old ones). */
  async orphans(): Promise<string[]> {
    const keys = await this.target.list();
    const named = new Set<string>();
    for (const key of keys.filter((k) => k.endsWith(MANIFEST))) {
      const data = await this.target.getSmall(key);
      try {
        named.add(decodeManifest(data ?? new Uint8Array(), key).object.key);
      } catch {
        // A broken manifest still names its object by id: keep anything with that prefix.
        named.add(key.slice(0, -MANIFEST.length));
      }
    }
    return keys.filter((k) => !k.endsWith(MANIFEST) && !k.endsWith(VERIFY) && !isNamed(k, named));
  }

  /** Deletes a backup: the manifest first, so it stops existing before its data goes. */
  async remove(manifest: Manifest): Promise<void> {
    await this.target.delete(manifestKey(manifest.source.name, manifest.id));
    await this.target.delete(manifest.object.key);
    await this.target.delete(verifyKey(manifest.source.name, manifest.id));
  }
}

function isNamed(key: string, named: ReadonlySet<string>): boolean {
  if (named.has(key)) return true;
  for (const prefix of named) if (key.startsWith(`${prefix}.`)) return true;
  return false;
}

function newestFirst(a: BackupEntry, b: BackupEntry): number {
  const ta = a.manifest ? Date.parse(a.manifest.startedAt) : -Infinity;
  const tb = b.manifest ? Date.parse(b.manifest.startedAt) : -Infinity;
  return tb - ta || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
