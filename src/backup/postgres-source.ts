import type { Writable } from 'node:stream';
import { spawnStage } from './child-stage.js';
import { parsePgUrl, pgEnv, type PgConnection } from './postgres-url.js';
import { pgToolsFor, serverMajor, PG_LIB_ROOT, type PgTools } from './pg-tools.js';
import { toolVersion } from './tools.js';
import type { BackupSource, SourceDescription, SourceRun } from './source.js';

export interface PostgresSourceOptions {
  readonly name: string;
  /** postgres://user:password@host:port/db — the password only ever goes to PGPASSWORD. */
  readonly url: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Where versioned PostgreSQL programs live (Debian layout); tests may point elsewhere. */
  readonly pgRoot?: string;
}

/** The custom-format archive starts with this magic. */
const MAGIC = Buffer.from('PGDMP');

/**
 * The dump of an empty database in custom format is about 1.5 KB (header, TOC, encoding and
 * search_path entries); 111-byte "dumps" reported as success are what this floor is for.
 */
export const PG_DUMP_MIN_BYTES = 512;

/**
 * `pg_dump --format=custom --compress=0` with the program of the server's major version.
 * Compression happens after (zstd is several times faster than pg_dump's built-in gzip).
 */
export class PostgresSource implements BackupSource {
  readonly kind = 'postgres' as const;
  readonly suffix = '.pgdump';
  readonly minBytes = PG_DUMP_MIN_BYTES;
  readonly headBytes = MAGIC.length;
  readonly name: string;
  readonly #conn: PgConnection;
  readonly #env: NodeJS.ProcessEnv;
  readonly #root: string;
  #tools: PgTools | undefined;

  constructor(options: PostgresSourceOptions) {
    this.name = options.name;
    this.#conn = parsePgUrl(options.url);
    this.#env = options.env ?? process.env;
    this.#root = options.pgRoot ?? PG_LIB_ROOT;
  }

  checkHead(head: Buffer): string | undefined {
    return head.subarray(0, MAGIC.length).equals(MAGIC) ? undefined : 'it does not start like a pg_dump custom-format archive (PGDMP)';
  }

  describe(): SourceDescription {
    const { host, port, database, user } = this.#conn;
    return { kind: 'postgres', host, port, database, user };
  }

  /** Asks the server its major version and picks the matching pg_dump (once per source object). */
  async tools(): Promise<PgTools> {
    this.#tools ??= pgToolsFor(await serverMajor(this.#conn, this.#env, this.#root), this.#root);
    return this.#tools;
  }

  async toolVersions(): Promise<Record<string, string>> {
    const tools = await this.tools();
    return { pg_dump: await toolVersion([tools.pgDump, '--version'], this.#env) };
  }

  open(): Promise<SourceRun> {
    return this.#run(undefined);
  }

  openInto(_signal: AbortSignal, stdout: Writable): Promise<SourceRun> {
    return this.#run(stdout);
  }

  async #run(stdout: Writable | undefined): Promise<SourceRun> {
    const tools = await this.tools();
    const argv = [tools.pgDump, '--format=custom', '--compress=0', '--no-password', `--dbname=${this.#conn.url}`];
    const child = spawnStage(argv, {
      env: pgEnv(this.#conn, this.#env),
      stdin: 'ignore',
      ...(stdout ? { stdout } : {}),
      failCode: 'SLW_BACKUP_SOURCE_FAILED',
      redact: this.#conn.password ? [this.#conn.password] : [],
    });
    return { stream: child.output, children: [child], cleanup: async () => undefined };
  }
}
