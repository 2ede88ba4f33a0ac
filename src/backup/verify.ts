import { toSlipwayError, type SlipwayError } from '../errors.js';
import type { BackupKey } from './age-adapter.js';
import { drainOutput, spawnStage, type ChildStage } from './child-stage.js';
import { ChildSink, discardSink } from './child-sink.js';
import { ignoreEvents, type EmitBackupEvent } from './events.js';
import type { Manifest } from './manifest.js';
import { pgToolsFor, PG_LIB_ROOT } from './pg-tools.js';
import { readBack } from './read-back.js';
import type { BackupRepository } from './repository.js';
import type { VerificationRecord } from './verification-record.js';

export interface VerifyOptions {
  readonly repo: BackupRepository;
  /** A backup id, or a manifest already in hand (right after a backup). */
  readonly backup: string | Manifest;
  readonly key: BackupKey | undefined;
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  readonly emit?: EmitBackupEvent;
  readonly pgRoot?: string;
  readonly now?: () => Date;
}

export type VerifyOutcome =
  | { readonly ok: true; readonly id: string; readonly record: VerificationRecord }
  | { readonly ok: false; readonly id: string; readonly error: SlipwayError; readonly record?: VerificationRecord };

/**
 * Re-reads a backup from its target and proves it restorable: size and SHA-256 of the object,
 * age decryption, decompression, SHA-256 of the raw dump, and a format check by the restore
 * tool itself (`pg_restore --list`, `tar --list`). The result is stored next to the backup;
 * only a passing result makes it count as good. Never throws for a bad backup: returns why.
 */
export async function verifyBackup(options: VerifyOptions): Promise<VerifyOutcome> {
  const emit = options.emit ?? ignoreEvents;
  const id = typeof options.backup === 'string' ? options.backup : options.backup.id;
  let manifest: Manifest;
  try {
    manifest = typeof options.backup === 'string' ? await options.repo.manifest(options.backup) : options.backup;
  } catch (err) {
    const error = toSlipwayError(err);
    emit({ type: 'backup.verify-failed', source: '', id, error });
    return { ok: false, id, error };
  }
  const env = options.env ?? process.env;
  const at = (options.now ?? (() => new Date()))().toISOString();
  const stat = await options.repo.target.stat(manifest.object.key);
  const base = { format: 'slipway-verify/1' as const, id, at, objectSha256: manifest.object.sha256, ...(stat ? { object: stat } : {}) };
  let rawSha256: string | undefined;
  try {
    const checks: string[] = await readBack({
      target: options.repo.target,
      manifest,
      key: options.key,
      env,
      ...(options.signal ? { signal: options.signal } : {}),
      sink: () => formatCheck(manifest, env, options.pgRoot ?? PG_LIB_ROOT),
      onRawSha256: (sha256) => (rawSha256 = sha256),
    });
    const tool = formatCheckName(manifest);
    if (tool) checks.push(tool);
    const record: VerificationRecord = { ...base, ok: true, checks, ...(manifest.raw.sha256 === undefined && rawSha256 ? { rawSha256 } : {}) };
    await options.repo.recordVerification(manifest, record);
    emit({ type: 'backup.verified', source: manifest.source.name, id, record });
    return { ok: true, id, record };
  } catch (err) {
    const error = toSlipwayError(err);
    const record: VerificationRecord = { ...base, ok: false, checks: [], error: { code: error.code, message: error.message } };
    // An abort says nothing about the backup: leave its last verdict alone.
    if (error.code !== 'SLW_BACKUP_ABORTED') await options.repo.recordVerification(manifest, record).catch(() => undefined);
    emit({ type: 'backup.verify-failed', source: manifest.source.name, id, error });
    return { ok: false, id, error, record };
  }
}

function formatCheckName(manifest: Manifest): string | undefined {
  switch (manifest.source.kind) {
    case 'postgres':
      return 'pg_restore --list';
    case 'dir':
      return 'tar --list';
    case 'sqlite':
      return undefined; // the raw SHA-256 already proves the bytes are the ones sqlite3 wrote
  }
}

/** The restore tool reads the raw stream as far as it needs to prove the format is sound. */
function formatCheck(manifest: Manifest, env: NodeJS.ProcessEnv, pgRoot: string): { stream: ChildSink | ReturnType<typeof discardSink>; children: ChildStage[] } {
  let argv: string[];
  switch (manifest.source.kind) {
    case 'postgres':
      argv = [pgToolsFor(undefined, pgRoot).pgRestore, '--list'];
      break;
    case 'dir':
      argv = ['tar', '--list', '--file=-'];
      break;
    case 'sqlite':
      return { stream: discardSink(), children: [] };
  }
  const child = spawnStage(argv, { env, stdin: 'pipe', failCode: 'SLW_BACKUP_CORRUPT' });
  drainOutput(child);
  return { stream: new ChildSink(child.stdin!), children: [child] };
}
