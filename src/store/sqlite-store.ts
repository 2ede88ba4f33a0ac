/** The SQLite adapter: the only file that imports better-sqlite3. */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { isLive } from '../engine/instance-state.js';
import type { DeploymentFilter, InstanceFilter, JournalInput, StateStore, StoreWriter } from '../engine/store.js';
import type {
  DeploymentRecord,
  InstanceRecord,
  JournalEntry,
  LockRecord,
  ReleaseRecord,
  ServiceRecord,
  StackDeploymentRecord,
} from '../engine/records.js';
import { openMigrated } from './open-migrated.js';

const TERMINAL = new Set(['succeeded', 'failed', 'reverted']);

type Row = { data: string };

export interface SqliteStoreOptions {
  /** Applied to every record and journal entry as JSON before it is written (secret redaction). */
  readonly redact?: (json: string) => string;
}

/** A project registered on the host: its name and the config file it was deployed from. */
export interface ProjectRecord {
  readonly name: string;
  readonly configFile: string;
  readonly env?: string | undefined;
  readonly registeredAt: string;
}

/** Meta keys that belong to the host (every project shares them); every other key is per project. */
function isHostKey(key: string): boolean {
  return key === 'proxy.listen' || key.startsWith('host.') || key === 'ready_probe';
}

/**
 * The state database. One file per host holds every project; a store object is a view of one
 * project (`forProject`): every read and write it makes names that project, so two projects'
 * service `web` and release `r1` never meet. The empty project name is state written before
 * projects existed (adopted by the first project registered, `adoptUnnamed`).
 */
export class SqliteStore implements StateStore {
  readonly #db: Database.Database;
  readonly #redact: (json: string) => string;
  readonly #project: string;

  constructor(file: string, options: SqliteStoreOptions = {}, shared?: { db: Database.Database; project: string }) {
    this.#redact = options.redact ?? ((json) => json);
    this.#project = shared?.project ?? '';
    if (shared) {
      this.#db = shared.db;
      return;
    }
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    this.#db = openMigrated(file, (f) => new Database(f));
  }

  /** The project this view reads and writes ('' for state of before projects). */
  get project(): string {
    return this.#project;
  }

  /** The same database seen as one project's store. */
  forProject(name: string): SqliteStore {
    return new SqliteStore('', { redact: this.#redact }, { db: this.#db, project: name });
  }

  #key(key: string): string {
    return isHostKey(key) || this.#project === '' ? key : `${key}@${this.#project}`;
  }

  /** Registered projects, by name. */
  projects(): ProjectRecord[] {
    // better-sqlite3 returns unknown rows; these columns are the projects table's (migration 4).
    const rows = this.#db.prepare('SELECT name, config_file, env, registered FROM projects ORDER BY name').all() as { name: string; config_file: string; env: string | null; registered: string }[];
    return rows.map((r) => ({ name: r.name, configFile: r.config_file, ...(r.env === null ? {} : { env: r.env }), registeredAt: r.registered }));
  }

  /** Project names that have services in the state (registered or not: '' is state of before projects). */
  projectsWithState(): string[] {
    return (this.#db.prepare('SELECT DISTINCT project FROM services ORDER BY project').pluck().all() as string[]);
  }

  /** Records a project (journaled), replacing its config file and environment. */
  registerProject(record: ProjectRecord): void {
    this.#db.transaction(() => {
      this.#journalRow(record.name, 'project.register', { name: record.name, configFile: record.configFile });
      this.#db.prepare('INSERT OR REPLACE INTO projects (name, config_file, env, registered) VALUES (?, ?, ?, ?)').run(record.name, record.configFile, record.env ?? null, record.registeredAt);
    })();
  }

  /**
   * State written before projects existed (project '') becomes project `name`'s: its rows and its
   * per-project meta keys move over in one transaction. Returns false when there is none.
   */
  adoptUnnamed(name: string): boolean {
    const db = this.#db;
    const has = Number(db.prepare("SELECT count(*) FROM services WHERE project = ''").pluck().get()) > 0;
    if (!has || name === '') return false;
    db.transaction(() => {
      this.#journalRow(name, 'project.adopt', { name });
      for (const table of ['services', 'releases', 'instances', 'deployments', 'stacks', 'journal']) {
        db.prepare(`UPDATE ${table} SET project = ? WHERE project = ''`).run(name);
      }
      const keys = db.prepare('SELECT key FROM meta').pluck().all() as string[];
      for (const key of keys) {
        if (isHostKey(key) || key.includes('@')) continue;
        db.prepare('DELETE FROM meta WHERE key = ?').run(`${key}@${name}`);
        db.prepare('UPDATE meta SET key = ? WHERE key = ?').run(`${key}@${name}`, key);
      }
    })();
    return true;
  }

  /** Forgets a project: its services, releases, instances, deployments, meta and registration (its journal stays). */
  removeProject(name: string): void {
    const db = this.#db;
    db.transaction(() => {
      this.#journalRow(name, 'project.remove', { name });
      for (const table of ['services', 'releases', 'instances', 'deployments', 'stacks']) db.prepare(`DELETE FROM ${table} WHERE project = ?`).run(name);
      if (name !== '') db.prepare('DELETE FROM meta WHERE key LIKE ?').run(`%@${name}`);
      db.prepare('DELETE FROM projects WHERE name = ?').run(name);
    })();
  }

  /** Ids of live instances of every project (what a stray sweep must leave alone). */
  liveInstanceIdsOfAllProjects(): Set<string> {
    // Rows and data as #many reads them: every instances row holds an InstanceRecord this store wrote.
    const rows = this.#db.prepare('SELECT data FROM instances').all() as Row[];
    return new Set(rows.map((r) => JSON.parse(r.data) as InstanceRecord).filter((i) => isLive(i.state)).map((i) => i.id));
  }

  #journalRow(project: string, kind: string, data: unknown): void {
    this.#db.prepare('INSERT INTO journal (at, deployment, kind, data, project) VALUES (?, NULL, ?, ?, ?)').run(new Date().toISOString(), kind, this.#redact(JSON.stringify(data)), project);
  }

  transact<T>(entry: JournalInput, apply: (tx: StoreWriter) => T): T {
    const db = this.#db;
    const json = (value: unknown): string => this.#redact(JSON.stringify(value));
    const project = this.#project;
    const writer: StoreWriter = {
      putService: (r: ServiceRecord) => {
        db.prepare('INSERT OR REPLACE INTO services (project, name, data) VALUES (?, ?, ?)').run(project, r.name, json(r));
      },
      putRelease: (r: ReleaseRecord) => {
        db.prepare('INSERT OR REPLACE INTO releases (project, service, id, seq, data) VALUES (?, ?, ?, ?, ?)').run(
          project,
          r.service,
          r.id,
          r.seq,
          json(r),
        );
      },
      putInstance: (r: InstanceRecord) => {
        db.prepare('INSERT OR REPLACE INTO instances (project, id, service, release, data) VALUES (?, ?, ?, ?, ?)').run(
          project,
          r.id,
          r.service,
          r.releaseId,
          json(r),
        );
      },
      putDeployment: (r: DeploymentRecord) => {
        db.prepare('INSERT OR REPLACE INTO deployments (project, id, service, started, terminal, data, stack) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
          project,
          r.id,
          r.service,
          r.startedAt,
          TERMINAL.has(r.state) ? 1 : 0,
          json(r),
          r.stackId ?? null,
        );
      },
      putStack: (r: StackDeploymentRecord) => {
        db.prepare('INSERT OR REPLACE INTO stacks (project, id, started, terminal, data) VALUES (?, ?, ?, ?, ?)').run(project, r.id, r.startedAt, r.state === 'running' ? 0 : 1, json(r));
      },
      setLock: (r: LockRecord | undefined) => {
        if (r) db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(this.#key('lock'), json(r));
        else db.prepare('DELETE FROM meta WHERE key = ?').run(this.#key('lock'));
      },
      removeService: (name: string) => {
        for (const [table, column] of [['services', 'name'], ['releases', 'service'], ['instances', 'service']] as const) {
          db.prepare(`DELETE FROM ${table} WHERE project = ? AND ${column} = ?`).run(project, name);
        }
      },
      setMeta: (key: string, value: string) => {
        db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(this.#key(key), value);
      },
    };
    const run = db.transaction(() => {
      db.prepare('INSERT INTO journal (at, deployment, kind, data, project) VALUES (?, ?, ?, ?, ?)').run(
        new Date().toISOString(),
        entry.deploymentId ?? null,
        entry.kind,
        json(entry.data ?? null),
        project,
      );
      return apply(writer);
    });
    return run();
  }

  service(name: string): ServiceRecord | undefined {
    return this.#one('SELECT data FROM services WHERE project = ? AND name = ?', this.#project, name);
  }

  services(): ServiceRecord[] {
    return this.#many('SELECT data FROM services WHERE project = ? ORDER BY name', this.#project);
  }

  release(service: string, id: string): ReleaseRecord | undefined {
    return this.#one('SELECT data FROM releases WHERE project = ? AND service = ? AND id = ?', this.#project, service, id);
  }

  releases(service: string): ReleaseRecord[] {
    return this.#many('SELECT data FROM releases WHERE project = ? AND service = ? ORDER BY seq DESC', this.#project, service);
  }

  /** Releases of every service of every project, in any state (the daemon's lost-state check). */
  releaseCount(): number {
    return Number(this.#db.prepare('SELECT count(*) FROM releases').pluck().get());
  }

  nextReleaseSeq(service: string): number {
    const row = this.#db.prepare('SELECT MAX(seq) AS max FROM releases WHERE project = ? AND service = ?').get(this.#project, service) as
      | { max: number | null }
      | undefined;
    return (row?.max ?? 0) + 1;
  }

  instance(id: string): InstanceRecord | undefined {
    return this.#one('SELECT data FROM instances WHERE project = ? AND id = ?', this.#project, id);
  }

  instances(filter: InstanceFilter = {}): InstanceRecord[] {
    const release = 'releaseId' in filter ? filter.releaseId : undefined;
    const all =
      filter.service === undefined
        ? this.#many<InstanceRecord>('SELECT data FROM instances WHERE project = ? ORDER BY rowid', this.#project)
        : release === undefined
          ? this.#many<InstanceRecord>('SELECT data FROM instances WHERE project = ? AND service = ? ORDER BY rowid', this.#project, filter.service)
          : this.#many<InstanceRecord>('SELECT data FROM instances WHERE project = ? AND service = ? AND release = ? ORDER BY rowid', this.#project, filter.service, release);
    return all.filter(
      (i) =>
        (filter.live === undefined || isLive(i.state) === filter.live),
    );
  }

  deployment(id: string): DeploymentRecord | undefined {
    return this.#one('SELECT data FROM deployments WHERE project = ? AND id = ?', this.#project, id);
  }

  deployments(filter: DeploymentFilter = {}): DeploymentRecord[] {
    const where: string[] = ['project = ?'];
    const args: unknown[] = [this.#project];
    if (filter.alone) where.push('stack IS NULL');
    if (filter.stack !== undefined) {
      where.push('stack = ?');
      args.push(filter.stack);
    }
    if (filter.service !== undefined) {
      where.push('service = ?');
      args.push(filter.service);
    }
    if (filter.open !== undefined) {
      where.push('terminal = ?');
      args.push(filter.open ? 0 : 1);
    }
    const sql = `SELECT data FROM deployments WHERE ${where.join(' AND ')} ORDER BY started DESC, rowid DESC LIMIT ?`;
    return this.#many(sql, ...args, filter.limit ?? 1_000_000);
  }

  stack(id: string): StackDeploymentRecord | undefined {
    return this.#one('SELECT data FROM stacks WHERE project = ? AND id = ?', this.#project, id);
  }

  stacks(filter: { limit?: number; open?: boolean } = {}): StackDeploymentRecord[] {
    const open = filter.open === undefined ? '' : ` AND terminal = ${filter.open ? 0 : 1}`;
    return this.#many(`SELECT data FROM stacks WHERE project = ?${open} ORDER BY started DESC, rowid DESC LIMIT ?`, this.#project, filter.limit ?? 1_000_000);
  }

  lock(): LockRecord | undefined {
    const row = this.#db.prepare('SELECT value FROM meta WHERE key = ?').get(this.#key('lock')) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as LockRecord) : undefined;
  }

  meta(key: string): string | undefined {
    const row = this.#db.prepare('SELECT value FROM meta WHERE key = ?').get(this.#key(key)) as { value: string } | undefined;
    return row?.value;
  }

  journal(options: { afterSeq?: number; limit?: number; deploymentId?: string } = {}): JournalEntry[] {
    const rows = this.#db
      .prepare(
        `SELECT seq, at, deployment, kind, data FROM journal WHERE project = ? AND seq > ? ${options.deploymentId ? 'AND deployment = ?' : ''} ORDER BY seq LIMIT ?`,
      )
      .all(
        ...[this.#project, options.afterSeq ?? 0, ...(options.deploymentId ? [options.deploymentId] : []), options.limit ?? 1_000_000],
      ) as { seq: number; at: string; deployment: string | null; kind: string; data: string }[];
    return rows.map((r) => ({
      seq: r.seq,
      at: r.at,
      deploymentId: r.deployment ?? undefined,
      kind: r.kind,
      data: JSON.parse(r.data) as unknown,
    }));
  }

  /** Readiness probe: one durable write to the database (a meta row); throws when it cannot write. */
  probeWrite(): void {
    this.#db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('ready_probe', ?)").run(new Date().toISOString());
  }

  /** Closes the database (every project's view of it). */
  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #one<T>(sql: string, ...args: unknown[]): T | undefined {
    const row = this.#db.prepare(sql).get(...args) as Row | undefined;
    return row ? (JSON.parse(row.data) as T) : undefined;
  }

  #many<T>(sql: string, ...args: unknown[]): T[] {
    return (this.#db.prepare(sql).all(...args) as Row[]).map((r) => JSON.parse(r.data) as T);
  }
}
