import { SlipwayError, toSlipwayError } from '../errors.js';
import type { BackupKey } from './age-adapter.js';
import { ignoreEvents, type EmitBackupEvent } from './events.js';
import type { Manifest } from './manifest.js';
import { PG_LIB_ROOT } from './pg-tools.js';
import type { BackupRepository } from './repository.js';
import { restoreDir, restoreSqlite } from './restore-files.js';
import type { RestoreContext, RestoreMode } from './restore-mode.js';
import { restorePostgres } from './restore-postgres.js';
import { verifyBackup } from './verify.js';

export interface RestoreOptions {
  readonly repo: BackupRepository;
  readonly id: string;
  readonly key: BackupKey | undefined;
  /** Default: a scratch copy. */
  readonly mode?: RestoreMode;
  /**
   * PostgreSQL: the server's URL with credentials (manifests never hold passwords); in place,
   * its database is overwritten, else the scratch database is created next to it.
   * SQLite and directories: the path (default: the backed-up path, or a scratch name beside it).
   */
  readonly to?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  readonly emit?: EmitBackupEvent;
  readonly pgRoot?: string;
}

export interface RestoreResult {
  readonly id: string;
  readonly manifest: Manifest;
  /** The database name or path restored into. */
  readonly restoredTo: string;
}

/**
 * Restores a backup after proving it good: a full verification runs first (hash, decryption,
 * format), so a corrupt, undecryptable or damaged backup is refused before anything is
 * created or overwritten; the restore stream is then checked again as it flows.
 */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const emit = options.emit ?? ignoreEvents;
  const mode: RestoreMode = options.mode ?? { kind: 'scratch' };
  const env = options.env ?? process.env;
  const pgRoot = options.pgRoot ?? PG_LIB_ROOT;
  const refuse = (error: SlipwayError): SlipwayError => {
    emit({ type: 'backup.restore-refused', id: options.id, error });
    return error;
  };
  const verified = await verifyBackup({
    repo: options.repo,
    backup: options.id,
    key: options.key,
    env,
    emit,
    pgRoot,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!verified.ok) throw refuse(verified.error);
  let manifest: Manifest;
  try {
    manifest = await options.repo.manifest(options.id);
  } catch (err) {
    throw refuse(toSlipwayError(err));
  }
  const ctx: RestoreContext = {
    manifest,
    target: options.repo.target,
    key: options.key,
    env,
    pgRoot,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const restoredTo = await dispatch(ctx, options.to, mode);
  emit({ type: 'backup.restored', source: manifest.source.name, id: manifest.id, to: restoredTo });
  return { id: manifest.id, manifest, restoredTo };
}

function dispatch(ctx: RestoreContext, to: string | undefined, mode: RestoreMode): Promise<string> {
  switch (ctx.manifest.source.kind) {
    case 'postgres':
      if (!to) {
        throw new SlipwayError('SLW_BACKUP_SOURCE_INVALID', 'Restoring a PostgreSQL backup needs the server URL (manifests hold no passwords).');
      }
      return restorePostgres(ctx, to, mode);
    case 'sqlite':
      return restoreSqlite(ctx, to, mode);
    case 'dir':
      return restoreDir(ctx, to, mode);
  }
}
