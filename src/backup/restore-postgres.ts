import { SlipwayError } from '../errors.js';
import { spawnStage, drainOutput } from './child-stage.js';
import { ChildSink } from './child-sink.js';
import { pgToolsFor, psqlQuery, serverMajor } from './pg-tools.js';
import { parsePgUrl, pgEnv, withDatabase, type PgConnection } from './postgres-url.js';
import { readBack } from './read-back.js';
import { scratchName, type RestoreContext, type RestoreMode } from './restore-mode.js';

const DB_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Restores a pg_dump archive with pg_restore (of the target server's major version), fed from
 * the read-back stream. Scratch: CREATE DATABASE, restore with --no-owner --no-acl, drop the
 * scratch database again if anything fails. In place: --clean --if-exists in one transaction,
 * so a failure leaves the database as it was. Returns the database restored into.
 */
export async function restorePostgres(ctx: RestoreContext, url: string, mode: RestoreMode): Promise<string> {
  const server = parsePgUrl(url);
  const tools = pgToolsFor(await serverMajor(server, ctx.env, ctx.pgRoot), ctx.pgRoot);
  if (mode.kind === 'in-place') {
    await mode.beforeOverwrite(ctx.manifest);
    await feed(ctx, tools.pgRestore, server, ['--clean', '--if-exists', '--single-transaction']);
    return server.database;
  }
  const base = ctx.manifest.source.kind === 'postgres' ? ctx.manifest.source.database : server.database;
  const name = mode.into ?? scratchName(base.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 30), ctx.manifest, '_');
  if (!DB_NAME.test(name)) {
    throw new SlipwayError('SLW_BACKUP_SOURCE_INVALID', `The scratch database name ${JSON.stringify(name)} must be lower-case letters, digits and "_".`);
  }
  await createScratch(tools.psql, server, name, ctx.env);
  try {
    await feed(ctx, tools.pgRestore, withDatabase(server, name), ['--no-owner', '--no-acl']);
  } catch (err) {
    await psqlQuery(tools.psql, server, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`, ctx.env, 'SLW_BACKUP_RESTORE_FAILED').catch(() => undefined);
    throw err;
  }
  return name;
}

async function createScratch(psql: string, server: PgConnection, name: string, env: NodeJS.ProcessEnv): Promise<void> {
  try {
    await psqlQuery(psql, server, `CREATE DATABASE "${name}"`, env, 'SLW_BACKUP_RESTORE_FAILED');
  } catch (err) {
    if (err instanceof SlipwayError && /already exists/.test(err.message)) {
      throw new SlipwayError('SLW_BACKUP_RESTORE_TARGET_EXISTS', `The scratch database ${name} already exists on ${server.host}:${server.port}.`, {
        cause: err,
      });
    }
    throw err;
  }
}

async function feed(ctx: RestoreContext, pgRestore: string, conn: PgConnection, extra: readonly string[]): Promise<void> {
  const argv = [pgRestore, '--exit-on-error', '--no-password', ...extra, `--dbname=${conn.url}`];
  await readBack({
    target: ctx.target,
    manifest: ctx.manifest,
    key: ctx.key,
    env: ctx.env,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    sink: () => {
      const child = spawnStage(argv, {
        env: pgEnv(conn, ctx.env),
        stdin: 'pipe',
        failCode: 'SLW_BACKUP_RESTORE_FAILED',
        redact: conn.password ? [conn.password] : [],
      });
      drainOutput(child);
      return { stream: new ChildSink(child.stdin!), children: [child] };
    },
  });
}
