/** The SQLite adapter: the only file that imports better-sqlite3. */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { isLive } from '../engine/instance-state.js';
import type { InstanceFilter, JournalInput, StateStore, StoreWriter } from '../engine/store.js';
import type {
  DeploymentRecord,
  InstanceRecord,
  JournalEntry,
  LockRecord,
  ReleaseRecord,
  ServiceRecord,
} from '../engine/records.js';
import { openMigrated } from './open-migrated.js';

const TERMINAL = new Set(['succeeded', 'failed', 'reverted']);

type Row = { data: string };

export interface SqliteStoreOptions {
  /** Applied to every record and journal entry as JSON before it is written (secret redaction). */
  readonly redact?: (json: string) => string;
}

export class SqliteStore implements StateStore {
  readonly #db: Database.Database;
  readonly #redact: (json: string) => string;

  constructor(file: string, options: SqliteStoreOptions = {}) {
    this.#redact = options.redact ?? ((json) => json);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    this.#db = openMigrated(file, (f) => new Database(f));
  }

  transact<T>(entry: JournalInput, apply: (tx: StoreWriter) => T): T {
    const db = this.#db;
    const json = (value: unknown): string => this.#redact(JSON.stringify(value));
    const writer: StoreWriter = {
      putService: (r: ServiceRecord) => {
        db.prepare('INSERT OR REPLACE INTO services (name, data) VALUES (?, ?)').run(r.name, json(r));
      },
      putRelease: (r: ReleaseRecord) => {
        db.prepare('INSERT OR REPLACE INTO releases (service, id, seq, data) VALUES (?, ?, ?, ?)').run(
          r.service,
          r.id,
          r.seq,
          json(r),
        );
      },
      putInstance: (r: InstanceRecord) => {
        db.prepare('INSERT OR REPLACE INTO instances (id, service, release, data) VALUES (?, ?, ?, ?)').run(
          r.id,
          r.service,
          r.releaseId,
          json(r),
        );
      },
      putDeployment: (r: DeploymentRecord) => {
        db.prepare('INSERT OR REPLACE INTO deployments (id, service, started, terminal, data) VALUES (?, ?, ?, ?, ?)').run(
          r.id,
          r.service,
          r.startedAt,
          TERMINAL.has(r.state) ? 1 : 0,
          json(r),
        );
      },
      setLock: (r: LockRecord | undefined) => {
        if (r) db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('lock', ?)").run(json(r));
        else db.prepare("DELETE FROM meta WHERE key = 'lock'").run();
      },
      setMeta: (key: string, value: string) => {
        db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
      },
    };
    const run = db.transaction(() => {
      db.prepare('INSERT INTO journal (at, deployment, kind, data) VALUES (?, ?, ?, ?)').run(
        new Date().toISOString(),
        entry.deploymentId ?? null,
        entry.kind,
        json(entry.data ?? null),
      );
      return apply(writer);
    });
    return run();
  }

  service(name: string): ServiceRecord | undefined {
    return this.#one('SELECT data FROM services WHERE name = ?', name);
  }

  services(): ServiceRecord[] {
    return this.#many('SELECT data FROM services ORDER BY name');
  }

  release(service: string, id: string): ReleaseRecord | undefined {
    return this.#one('SELECT data FROM releases WHERE service = ? AND id = ?', service, id);
  }

  releases(service: string): ReleaseRecord[] {
    return this.#many('SELECT data FROM releases WHERE service = ? ORDER BY seq DESC', service);
  }

  /** Releases of every service, in any state (the daemon's lost-state check). */
  releaseCount(): number {
    return Number(this.#db.prepare('SELECT count(*) FROM releases').pluck().get());
  }

  nextReleaseSeq(service: string): number {
    const row = this.#db.prepare('SELECT MAX(seq) AS max FROM releases WHERE service = ?').get(service) as
      | { max: number | null }
      | undefined;
    return (row?.max ?? 0) + 1;
  }

  instance(id: string): InstanceRecord | undefined {
    return this.#one('SELECT data FROM instances WHERE id = ?', id);
  }

  instances(filter: InstanceFilter = {}): InstanceRecord[] {
    const release = 'releaseId' in filter ? filter.releaseId : undefined;
    const all =
      filter.service === undefined
        ? this.#many<InstanceRecord>('SELECT data FROM instances ORDER BY rowid')
        : release === undefined
          ? this.#many<InstanceRecord>('SELECT data FROM instances WHERE service = ? ORDER BY rowid', filter.service)
          : this.#many<InstanceRecord>('SELECT data FROM instances WHERE service = ? AND release = ? ORDER BY rowid', filter.service, release);
    return all.filter(
      (i) =>
        (filter.live === undefined || isLive(i.state) === filter.live),
    );
  }

  deployment(id: string): DeploymentRecord | undefined {
    return this.#one('SELECT data FROM deployments WHERE id = ?', id);
  }

  deployments(filter: { service?: string; limit?: number; open?: boolean } = {}): DeploymentRecord[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.service !== undefined) {
      where.push('service = ?');
      args.push(filter.service);
    }
    if (filter.open !== undefined) {
      where.push('terminal = ?');
      args.push(filter.open ? 0 : 1);
    }
    const sql = `SELECT data FROM deployments ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started DESC, rowid DESC LIMIT ?`;
    return this.#many(sql, ...args, filter.limit ?? 1_000_000);
  }

  lock(): LockRecord | undefined {
    const row = this.#db.prepare("SELECT value FROM meta WHERE key = 'lock'").get() as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as LockRecord) : undefined;
  }

  meta(key: string): string | undefined {
    const row = this.#db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  journal(options: { afterSeq?: number; limit?: number; deploymentId?: string } = {}): JournalEntry[] {
    const rows = this.#db
      .prepare(
        `SELECT seq, at, deployment, kind, data FROM journal WHERE seq > ? ${options.deploymentId ? 'AND deployment = ?' : ''} ORDER BY seq LIMIT ?`,
      )
      .all(
        ...[options.afterSeq ?? 0, ...(options.deploymentId ? [options.deploymentId] : []), options.limit ?? 1_000_000],
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
