import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SlipwayError } from '../errors.js';
import { runCapture } from '../release/run-capture.js';
import { pgEnv, type PgConnection } from './postgres-url.js';

/** Where Debian (and Ubuntu) install each major version's programs. */
export const PG_LIB_ROOT = '/usr/lib/postgresql';

export interface PgTools {
  readonly pgDump: string;
  readonly pgRestore: string;
  readonly psql: string;
  /** The major version of these programs, when known. */
  readonly major: number | undefined;
}

function installedMajors(root: string): number[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0 && existsSync(join(root, String(n), 'bin', 'pg_dump')))
    .sort((a, b) => a - b);
}

/**
 * The programs of the server's major version when installed, else the next newer one
 * (pg_dump reads older servers, never newer ones); PATH names when no versioned install exists.
 */
export function pgToolsFor(serverMajor: number | undefined, root = PG_LIB_ROOT): PgTools {
  const majors = installedMajors(root);
  if (majors.length === 0) return { pgDump: 'pg_dump', pgRestore: 'pg_restore', psql: 'psql', major: undefined };
  const pick = serverMajor === undefined ? majors.at(-1) : majors.find((m) => m >= serverMajor);
  if (pick === undefined) {
    throw new SlipwayError(
      'SLW_BACKUP_TOOL_MISSING',
      `The PostgreSQL server is version ${serverMajor}, but the newest pg_dump installed is ${majors.at(-1)}: pg_dump cannot dump a newer server.`,
      { hint: `Install the client programs of PostgreSQL ${serverMajor} (Debian: \`postgresql-client-${serverMajor}\`).` },
    );
  }
  const bin = join(root, String(pick), 'bin');
  return { pgDump: join(bin, 'pg_dump'), pgRestore: join(bin, 'pg_restore'), psql: join(bin, 'psql'), major: pick };
}

/** Runs one SQL statement with psql; returns its unaligned output. Fails with `failCode`. */
export async function psqlQuery(
  psql: string,
  conn: PgConnection,
  sql: string,
  env: NodeJS.ProcessEnv,
  failCode: 'SLW_BACKUP_SOURCE_FAILED' | 'SLW_BACKUP_RESTORE_FAILED',
): Promise<string> {
  const argv = [psql, '-X', '-A', '-t', '-w', '-v', 'ON_ERROR_STOP=1', '-c', sql, `--dbname=${conn.url}`];
  const result = await runCapture(argv, process.cwd(), pgEnv(conn, env));
  if (result.code === -1) {
    throw new SlipwayError('SLW_BACKUP_TOOL_MISSING', `psql could not be started: ${result.stderr}`, {
      hint: 'Install the PostgreSQL client programs (Debian: `postgresql-client`).',
    });
  }
  if (result.code !== 0) {
    const stderr = conn.password ? result.stderr.split(conn.password).join('***') : result.stderr;
    throw new SlipwayError(failCode, `psql failed on ${conn.host}:${conn.port}/${conn.database}: ${stderr.trim()}`, {
      details: { stderr: stderr.trim() },
    });
  }
  return result.stdout.trim();
}

/** The server's major version (e.g. 15), from `SHOW server_version_num`. */
export async function serverMajor(conn: PgConnection, env: NodeJS.ProcessEnv, root = PG_LIB_ROOT): Promise<number> {
  const psql = pgToolsFor(undefined, root).psql;
  const num = Number(await psqlQuery(psql, conn, 'SHOW server_version_num', env, 'SLW_BACKUP_SOURCE_FAILED'));
  return Math.floor(num / 10000);
}
