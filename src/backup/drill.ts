/**
 * A drill proves the newest good backup of every source restorable: it is restored into a
 * scratch copy (a new database, or a directory under the state dir), checked, and the copy
 * removed. PostgreSQL: the configured `check` query must succeed and return a row (without
 * one, the restore itself is the check). Directories and SQLite: the restored files are
 * counted and hashed, and there must be at least one. Results are recorded in
 * `<state>/backups/drills.json`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { SlipwayError, toSlipwayError, type SerializedError } from '../errors.js';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { newestPerSource, type BackupService } from './backup-service.js';
import { pgToolsFor, psqlQuery, serverMajor } from './pg-tools.js';
import { parsePgUrl, withDatabase } from './postgres-url.js';

export interface DrillResult {
  readonly source: string;
  readonly id: string | undefined;
  readonly ok: boolean;
  readonly at: string;
  readonly ms: number;
  /** What was checked: the query's first line, or "N files, sha256 …". */
  readonly detail: string;
  readonly error?: SerializedError;
}

export function drillsFile(stateDir: string): string {
  return join(stateDir, 'backups', 'drills.json');
}

export async function runDrill(service: BackupService, stateDir: string, env: NodeJS.ProcessEnv = process.env): Promise<DrillResult[]> {
  const latest = newestPerSource(await service.list(), (e) => e.state === 'verified');
  const results: DrillResult[] = [];
  for (const source of Object.keys(service.spec.sources)) {
    const entry = latest.find((e) => e.source === source);
    const began = Date.now();
    const at = new Date(began).toISOString();
    if (!entry) {
      results.push({ source, id: undefined, ok: false, at, ms: 0, detail: 'no verified backup to drill', error: { code: 'SLW_BACKUP_NOT_FOUND', message: `Source ${source} has no verified backup.`, hint: 'Run `slipway backup run` first.' } });
      continue;
    }
    try {
      const detail = await drillOne(service, stateDir, entry.id, source, env);
      results.push({ source, id: entry.id, ok: true, at, ms: Date.now() - began, detail });
    } catch (err) {
      const error = toSlipwayError(err);
      results.push({ source, id: entry.id, ok: false, at, ms: Date.now() - began, detail: error.message, error: error.toJSON() });
    }
  }
  for (const r of results) {
    service.report({ type: 'backup.drilled', source: r.source, id: r.id, ok: r.ok, ...(r.error ? { error: SlipwayError.fromJSON(r.error) } : {}) });
  }
  await mkdir(dirname(drillsFile(stateDir)), { recursive: true });
  await writeFileAtomic(drillsFile(stateDir), `${JSON.stringify({ drills: results }, null, 2)}\n`);
  return results;
}

async function drillOne(service: BackupService, stateDir: string, id: string, source: string, env: NodeJS.ProcessEnv): Promise<string> {
  const kind = service.sourceSpec(source).kind;
  const suffix = randomBytes(4).toString('hex');
  if (kind === 'postgres') {
    const into = `drill_${source.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 30)}_${suffix}`;
    await service.restore(id, { force: false, into });
    const server = parsePgUrl((await service.postgresUrl(source)) ?? '');
    const tools = pgToolsFor(await serverMajor(server, env));
    try {
      const check = service.spec.drill?.check;
      if (!check) return `restored into ${into}`;
      const out = await psqlQuery(tools.psql, withDatabase(server, into), check, env, 'SLW_BACKUP_RESTORE_FAILED');
      if (out === '') throw new Error(`the check query returned no row`);
      return `${check} → ${out.split('\n')[0]}`;
    } finally {
      await psqlQuery(tools.psql, server, `DROP DATABASE IF EXISTS "${into}" WITH (FORCE)`, env, 'SLW_BACKUP_RESTORE_FAILED').catch(() => undefined);
    }
  }
  const into = join(stateDir, 'backups', 'drill', `${id}-${suffix}`);
  try {
    const { restoredTo } = await service.restore(id, { force: false, into });
    const { files, sha256 } = await treeHash(restoredTo);
    if (files === 0) throw new Error('the restored copy holds no file');
    return `${files} file(s), sha256 ${sha256.slice(0, 16)}`;
  } finally {
    await rm(into, { recursive: true, force: true });
  }
}

/** Count and one SHA-256 over the relative paths and contents of every file, in sorted order. */
async function treeHash(root: string): Promise<{ files: number; sha256: string }> {
  const hash = createHash('sha256');
  const info = await stat(root);
  const paths = info.isDirectory() ? (await readdir(root, { recursive: true, withFileTypes: true })).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name)).sort() : [root];
  for (const path of paths) {
    hash.update(`${path.slice(root.length)}\0`);
    await pipeline(createReadStream(path), async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) hash.update(chunk);
    });
  }
  return { files: paths.length, sha256: hash.digest('hex') };
}
