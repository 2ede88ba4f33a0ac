import type Database from 'better-sqlite3';
import { dirname } from 'node:path';
import { diskFullError, SlipwayError } from '../errors.js';
import { nearlyFullSync } from '../lib/disk-space.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';

type Db = Database.Database;

/**
 * Opens the state database and brings its schema to this build's version: refuses a file that
 * is not a readable SQLite database or that a newer slipway wrote, copies an older one aside
 * (`state.db.v<N>-<time>.bak`), then applies the missing migrations in one transaction.
 */
export function openMigrated(file: string, open: (file: string) => Db): Db {
  let db: Db;
  try {
    db = open(file);
  } catch (err) {
    throw new SlipwayError('SLW_STATE_UNAVAILABLE', `The state database ${file} could not be opened: ${String(err)}.`, { cause: err });
  }
  try {
    checkReadable(db, file);
    const from = versionOf(db, file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    migrate(db, file, from);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof SlipwayError) throw err;
    throw diskFullError(err) ?? new SlipwayError('SLW_STATE_UNAVAILABLE', `The state database ${file} could not be prepared: ${String(err)}.`, { cause: err });
  }
}

function checkReadable(db: Db, file: string): void {
  let verdict: string;
  try {
    verdict = String(db.pragma('quick_check', { simple: true }));
  } catch (err) {
    throw unreadable(file, err);
  }
  if (verdict !== 'ok') throw corrupt(file, verdict, undefined);
}

/**
 * A read that failed: damaged only when SQLite says so; an I/O error on a full disk (SQLite
 * cannot make its WAL index) is SLW_DISK_FULL, whose fix is freeing space, not restoring state.
 */
function unreadable(file: string, err: unknown): SlipwayError {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(code)) return corrupt(file, String(err), err);
  const full = diskFullError(err);
  if (full) return full;
  if (nearlyFullSync(dirname(file))) {
    return new SlipwayError('SLW_DISK_FULL', `No space left on the disk that holds ${file} (SQLite: ${String(err)}).`, { cause: err, details: { path: file } });
  }
  return new SlipwayError('SLW_STATE_UNAVAILABLE', `The state database ${file} could not be read: ${String(err)}.`, { cause: err });
}

function corrupt(file: string, detail: string, cause: unknown): SlipwayError {
  return new SlipwayError(
    'SLW_STATE_CORRUPT',
    `The state database ${file} cannot be read (${detail.split('\n')[0]}); slipway will not start on it, because reading it as empty would stop every running app.`,
    cause === undefined ? {} : { cause },
  );
}

/** The schema version, refused (before anything is written) when a newer slipway wrote it. */
function versionOf(db: Db, file: string): number {
  const from = Number(db.pragma('user_version', { simple: true }));
  if (from > SCHEMA_VERSION) {
    throw new SlipwayError(
      'SLW_STATE_NEWER',
      `The state database ${file} has schema version ${from}, written by a newer slipway; this build knows versions up to ${SCHEMA_VERSION}.`,
    );
  }
  return from;
}

function migrate(db: Db, file: string, from: number): void {
  if (from === SCHEMA_VERSION) return;
  const fresh = Number(db.prepare('SELECT count(*) AS n FROM sqlite_master').pluck().get()) === 0;
  if (!fresh) {
    const stamp = new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15);
    db.prepare('VACUUM INTO ?').run(`${file}.v${from}-${stamp}.bak`);
  }
  db.transaction(() => {
    for (const m of MIGRATIONS) if (m.version > from) db.exec(m.sql);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}
