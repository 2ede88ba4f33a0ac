import type { SlipwayError } from '../errors.js';
import type { Manifest } from './manifest.js';
import type { VerificationRecord } from './verification-record.js';

/**
 * What the backup core reports. It never prints or alerts by itself: the daemon subscribes
 * (logs, metrics such as last success/size/duration per source, and alerts on failures).
 */
export type BackupEvent =
  | { readonly type: 'backup.started'; readonly source: string; readonly id: string }
  | { readonly type: 'backup.source-started'; readonly source: string; readonly id: string; readonly pids: readonly number[] }
  /** rawBytes: the source's output so far; storedBytes instead when that never passes through Node (pg_dump fed to zstd). */
  | { readonly type: 'backup.progress'; readonly source: string; readonly id: string; readonly rawBytes?: number; readonly storedBytes?: number }
  | { readonly type: 'backup.committed'; readonly source: string; readonly id: string; readonly manifest: Manifest }
  | { readonly type: 'backup.failed'; readonly source: string; readonly id: string; readonly error: SlipwayError }
  | { readonly type: 'backup.verified'; readonly source: string; readonly id: string; readonly record: VerificationRecord }
  | { readonly type: 'backup.verify-failed'; readonly source: string; readonly id: string; readonly error: SlipwayError }
  | { readonly type: 'backup.restore-refused'; readonly id: string; readonly error: SlipwayError }
  | { readonly type: 'backup.restored'; readonly source: string; readonly id: string; readonly to: string }
  | { readonly type: 'backup.pruned'; readonly ids: readonly string[] }
  /** One source backed up (or not) on every target: what run counters and failure alerts count. */
  | { readonly type: 'backup.finished'; readonly source: string; readonly id: string | undefined; readonly ok: boolean; readonly error?: SlipwayError }
  | { readonly type: 'backup.drilled'; readonly source: string; readonly id: string | undefined; readonly ok: boolean; readonly error?: SlipwayError };

/** `target` names the configured target the event happened on (absent outside a BackupService). */
export type EmitBackupEvent = (event: BackupEvent, target?: string) => void;

/** Tags every event of a target's operations with its name. */
export function onTarget(emit: EmitBackupEvent, target: string): EmitBackupEvent {
  return (event) => emit(event, target);
}

export const ignoreEvents: EmitBackupEvent = () => undefined;
