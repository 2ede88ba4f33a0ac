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
  | { readonly type: 'backup.progress'; readonly source: string; readonly id: string; readonly rawBytes: number }
  | { readonly type: 'backup.committed'; readonly source: string; readonly id: string; readonly manifest: Manifest }
  | { readonly type: 'backup.failed'; readonly source: string; readonly id: string; readonly error: SlipwayError }
  | { readonly type: 'backup.verified'; readonly source: string; readonly id: string; readonly record: VerificationRecord }
  | { readonly type: 'backup.verify-failed'; readonly source: string; readonly id: string; readonly error: SlipwayError }
  | { readonly type: 'backup.restore-refused'; readonly id: string; readonly error: SlipwayError }
  | { readonly type: 'backup.restored'; readonly source: string; readonly id: string; readonly to: string }
  | { readonly type: 'backup.pruned'; readonly ids: readonly string[] };

export type EmitBackupEvent = (event: BackupEvent) => void;

export const ignoreEvents: EmitBackupEvent = () => undefined;
