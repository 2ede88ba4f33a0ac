import type { BackupKey } from './age-adapter.js';
import type { Manifest } from './manifest.js';
import type { BackupTarget } from './target.js';

/**
 * Where a restore writes. A scratch copy by default (a new database or path that must not
 * exist); over the original only with `force` and after the caller's safety step (a fresh
 * backup of what is about to be overwritten), which runs once the backup proved good.
 */
export type RestoreMode =
  | { readonly kind: 'scratch'; /** Database name (PostgreSQL) or path (SQLite, directory); default derived from the backup. */ readonly into?: string }
  | { readonly kind: 'in-place'; readonly force: true; readonly beforeOverwrite: (manifest: Manifest) => Promise<void> };

/** What every restorer needs. */
export interface RestoreContext {
  readonly manifest: Manifest;
  readonly target: BackupTarget;
  readonly key: BackupKey | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  readonly pgRoot: string;
}

/** A name fit for a database or a file next to the original: `<base>_restore_<UTC time>`. */
export function scratchName(base: string, manifest: Manifest, separator: '_' | '.'): string {
  const stamp = manifest.startedAt.replace(/[-:]/g, '').replace(/\..*$/, '').toLowerCase();
  return `${base}${separator}restore${separator}${stamp}`;
}
