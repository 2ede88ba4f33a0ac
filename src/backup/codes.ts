import type { CodeTable } from '../error-code-info.js';

export const backupCodes = {
  SLW_BACKUP_SOURCE_FAILED: {
    title: 'The command that reads the backup source (pg_dump, sqlite3 or tar) failed, so no backup was made.',
    hint: 'Read the last lines of its error output shown with the error: check the database URL and password, that the server is up and its major version matches pg_dump, or that the directory is readable and was not changing while it was read.',
    kind: 'internal',
  },
  SLW_BACKUP_SOURCE_INVALID: {
    title: 'A backup source is described in a way slipway cannot use (not a postgres:// URL, not a file or directory).',
    hint: 'Use a postgres:// or postgresql:// URL for a PostgreSQL source, the path of an existing database file for SQLite, and an existing directory for a directory source.',
    kind: 'user',
  },
  SLW_BACKUP_PIPELINE_FAILED: {
    title: 'A stage between the source and the target (compression or encryption) failed, so no backup was made.',
    hint: 'Read the message for the failing program; check that zstd is installed and working (`zstd --version`).',
    kind: 'internal',
  },
  SLW_BACKUP_OUTPUT_TOO_SMALL: {
    title: 'The source produced less data than any real backup of its kind, or data of the wrong format, so the backup was rejected.',
    hint: 'A dump this small is almost always an error reported as success: run the source command by hand (the error names it) and check what it prints.',
    kind: 'internal',
  },
  SLW_BACKUP_TOOL_MISSING: {
    title: 'A program the backup needs (pg_dump, pg_restore, psql, sqlite3, tar or zstd) is not installed.',
    hint: 'Install it with the package manager (Debian: `postgresql-client`, `sqlite3`, `tar`, `zstd`), or make it reachable on the PATH of the slipway daemon.',
    kind: 'user',
  },
  SLW_BACKUP_TARGET_WRITE_FAILED: {
    title: 'The backup could not be written to its target, so it was discarded.',
    hint: 'Check that the target directory exists and is writable (a full disk is `SLW_DISK_FULL`); for S3, read the error code in the message and check the bucket, credentials and quota. Nothing partial was kept.',
    kind: 'internal',
  },
  SLW_BACKUP_TARGET_READ_FAILED: {
    title: 'The backup target could not be listed or read (an S3 request failed: unreachable endpoint, missing bucket, refused credentials).',
    hint: 'Read the S3 error code in the message: check the endpoint, the bucket name and that it exists, the region, and the access key and secret key (`slipway secrets set NAME`).',
    kind: 'internal',
  },
  SLW_BACKUP_NOT_FOUND: {
    title: 'No backup with that id exists (a backup without a manifest does not exist).',
    hint: 'Run `slipway backup list` to see the backups and their ids.',
    kind: 'user',
  },
  SLW_BACKUP_MANIFEST_INVALID: {
    title: 'The manifest of a backup is unreadable, truncated or malformed, so the backup cannot be trusted.',
    hint: 'Use another backup (`slipway backup list`). Check the target for disk or storage errors; slipway writes manifests atomically, so a damaged one means the storage changed it.',
    kind: 'internal',
  },
  SLW_BACKUP_CORRUPT: {
    title: 'The stored backup does not match its manifest (size or SHA-256), or its data does not decrypt, decompress or read back as a valid dump.',
    hint: 'The object was changed or damaged after it was written: use another backup and check the target storage. Never restore this one.',
    kind: 'internal',
  },
  SLW_BACKUP_KEY_MISMATCH: {
    title: 'The configured backup key cannot decrypt this backup: it was encrypted for another recipient.',
    hint: 'The manifest names the recipient the backup was made for; configure the matching age identity (`AGE-SECRET-KEY-1…`) under backups.key.',
    kind: 'user',
  },
  SLW_BACKUP_KEY_INVALID: {
    title: 'The backup key is not an age X25519 identity or recipient.',
    hint: 'Generate one with `age-keygen` and set backups.key to the identity (`AGE-SECRET-KEY-1…`, needed to verify and restore) or to the recipient (`age1…`, backups only).',
    kind: 'user',
  },
  SLW_BACKUP_KEY_MISSING: {
    title: 'Verifying or restoring an encrypted backup needs the age identity, but only a recipient is configured.',
    hint: 'Set backups.key to the age identity (`AGE-SECRET-KEY-1…`) whose recipient the backups were made for.',
    kind: 'user',
  },
  SLW_BACKUP_IN_PROGRESS: {
    title: 'Another backup of the same source is running.',
    hint: 'Wait for it to finish. A lock left by a crashed run expires on its own (its process is gone or its expiry has passed).',
    kind: 'user',
  },
  SLW_BACKUP_ABORTED: {
    title: 'The backup, verify or restore was cancelled or ran past its deadline, and was stopped; nothing partial was kept.',
    hint: 'Run it again; raise the deadline if the source is large.',
    kind: 'user',
  },
  SLW_BACKUP_RESTORE_FAILED: {
    title: 'The restore command (pg_restore, tar or the SQLite copy) failed.',
    hint: 'Read the last lines of its error output shown with the error. A scratch restore leaves the original untouched; check the scratch target and try again.',
    kind: 'internal',
  },
  SLW_BACKUP_RESTORE_TARGET_EXISTS: {
    title: 'The scratch database or directory to restore into already exists.',
    hint: 'Restores never overwrite by default: pick another scratch name (`--to`) or drop the old scratch copy first.',
    kind: 'user',
  },
  SLW_BACKUP_RESTORE_IN_USE: {
    title: 'An in-place restore was refused: the directory holds a running PostgreSQL, which would go on writing into the files swapped under it.',
    hint: 'Stop the server first: for an accessory, `slipway remove SERVICE` (its volumes stay), then `slipway backup restore ID --force`, then `slipway deploy SERVICE` and the services that read its outputs. Or restore into a scratch copy (no --force).',
    kind: 'user',
  },
  SLW_BACKUP_NOT_CONFIGURED: {
    title: 'The config has no `backups:` section, so there is nothing to back up, restore or drill.',
    hint: 'Add `backups:` with a key, targets.local.dir and sources (docs/config.md#backups).',
    kind: 'user',
  },
} as const satisfies CodeTable;
