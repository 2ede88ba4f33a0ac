import { SlipwayError } from '../errors.js';

/** A PostgreSQL URL split so the password never reaches argv or logs. */
export interface PgConnection {
  /** The URL without its password: safe in argv (`--dbname=`) and in messages. */
  readonly url: string;
  readonly password: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
}

/** Parses postgres://user:pass@host:port/db?params; the password goes to PGPASSWORD. */
export function parsePgUrl(text: string): PgConnection {
  let url: URL;
  try {
    url = new URL(text);
  } catch (err) {
    throw invalid(err);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw invalid(undefined);
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  url.password = '';
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const user = decodeURIComponent(url.username);
  return {
    url: url.toString(),
    password,
    host: url.hostname || url.searchParams.get('host') || 'localhost',
    port: Number(url.port || url.searchParams.get('port') || 5432),
    database: database || user || 'postgres',
    user,
  };
}

/** The same server and credentials, another database (a scratch copy). */
export function withDatabase(conn: PgConnection, database: string): PgConnection {
  const url = new URL(conn.url);
  url.pathname = `/${encodeURIComponent(database)}`;
  return { ...conn, url: url.toString(), database };
}

/** The environment for libpq programs: the password, and no prompt. */
export function pgEnv(conn: PgConnection, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, PGCONNECT_TIMEOUT: base['PGCONNECT_TIMEOUT'] ?? '10' };
  delete env['PGPASSWORD'];
  if (conn.password !== undefined) env['PGPASSWORD'] = conn.password;
  return env;
}

function invalid(cause: unknown): SlipwayError {
  return new SlipwayError('SLW_BACKUP_SOURCE_INVALID', 'The PostgreSQL source is not a postgres:// or postgresql:// URL.', { cause });
}
