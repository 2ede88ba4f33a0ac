import { ignoreEvents, type EmitBackupEvent } from './events.js';
import type { BackupEntry, BackupRepository } from './repository.js';
import { planRetention, type KeepReason, type RetentionPolicy } from './retention.js';

export interface PruneOptions {
  readonly repo: BackupRepository;
  readonly policy: RetentionPolicy;
  /** List what would go; delete nothing. */
  readonly dryRun: boolean;
  readonly emit?: EmitBackupEvent;
}

export interface PruneReport {
  readonly dryRun: boolean;
  readonly kept: readonly { readonly entry: BackupEntry; readonly reasons: readonly KeepReason[] }[];
  readonly removed: readonly BackupEntry[];
  /** Broken backups (damaged manifest, missing object) are listed, never deleted automatically. */
  readonly broken: readonly BackupEntry[];
}

/**
 * Applies the retention policy to one target. Only verified backups count and only they go;
 * each goes manifest first (see BackupRepository.remove), so an interrupted prune leaves
 * whole backups and orphans, never a manifest without its data.
 */
export async function pruneBackups(options: PruneOptions): Promise<PruneReport> {
  const entries = await options.repo.list();
  const withManifest = entries.filter((e) => e.manifest);
  const plan = planRetention(
    withManifest.map((e) => ({
      id: e.id,
      source: e.source,
      createdAt: Date.parse(e.manifest!.startedAt),
      verified: e.state === 'verified',
    })),
    options.policy,
  );
  const byId = new Map(withManifest.map((e) => [e.id, e]));
  const removed = plan.remove.map((id) => byId.get(id)!);
  if (!options.dryRun) {
    for (const entry of removed) await options.repo.remove(entry.manifest!);
    if (removed.length > 0) (options.emit ?? ignoreEvents)({ type: 'backup.pruned', ids: removed.map((e) => e.id) });
  }
  return {
    dryRun: options.dryRun,
    kept: [...plan.keep].map(([id, reasons]) => ({ entry: byId.get(id)!, reasons })),
    removed,
    broken: entries.filter((e) => !e.manifest),
  };
}
