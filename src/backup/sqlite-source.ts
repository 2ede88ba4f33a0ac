import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SlipwayError } from '../errors.js';
import { drainOutput, spawnStage } from './child-stage.js';
import { toolVersion } from './tools.js';
import type { BackupSource, SourceDescription, SourceRun } from './source.js';

export interface SqliteSourceOptions {
  readonly name: string;
  readonly path: string;
  /** Where the consistent copy is made before it is streamed (default: the OS temp dir). */
  readonly scratchDir?: string;
  readonly env?: NodeJS.ProcessEnv;
}

const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * SQLite through the online backup API of the `sqlite3` program (`.backup`): a consistent
 * copy while the app keeps writing (WAL or not), made into a private temp file, then streamed.
 * Uses the CLI rather than better-sqlite3 so the backup never shares the daemon's thread.
 */
export class SqliteSource implements BackupSource {
  readonly kind = 'sqlite' as const;
  readonly suffix = '.sqlite';
  /** The smallest database file is one 512-byte page. */
  readonly minBytes = 512;
  readonly headBytes = MAGIC.length;
  readonly name: string;
  readonly #path: string;
  readonly #scratch: string;
  readonly #env: NodeJS.ProcessEnv;

  constructor(options: SqliteSourceOptions) {
    this.name = options.name;
    this.#path = resolve(options.path);
    this.#scratch = options.scratchDir ?? tmpdir();
    this.#env = options.env ?? process.env;
  }

  checkHead(head: Buffer): string | undefined {
    return head.equals(MAGIC) ? undefined : 'it does not start like an SQLite database file';
  }

  describe(): SourceDescription {
    return { kind: 'sqlite', path: this.#path };
  }

  async toolVersions(): Promise<Record<string, string>> {
    return { sqlite3: await toolVersion(['sqlite3', '--version'], this.#env) };
  }

  async open(): Promise<SourceRun> {
    // sqlite3 would silently create an empty database at a wrong path.
    const info = await stat(this.#path).catch(() => undefined);
    if (!info?.isFile()) {
      throw new SlipwayError('SLW_BACKUP_SOURCE_INVALID', `The SQLite database ${this.#path} does not exist or is not a file.`);
    }
    await mkdir(this.#scratch, { recursive: true, mode: 0o700 });
    const dir = await mkdtemp(join(this.#scratch, 'slipway-sqlite-'));
    const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
    try {
      const copy = join(dir, 'copy.sqlite');
      // The dot-command takes a quoted argument; a quote in the temp path would end it early.
      if (copy.includes("'")) throw new SlipwayError('SLW_BACKUP_SOURCE_INVALID', `The scratch directory ${this.#scratch} has a quote in its path.`);
      const child = spawnStage(['sqlite3', '-bail', this.#path, `.backup '${copy}'`], {
        env: this.#env,
        stdin: 'ignore',
        failCode: 'SLW_BACKUP_SOURCE_FAILED',
      });
      drainOutput(child);
      await child.exited;
      return { stream: createReadStream(copy), children: [], cleanup };
    } catch (err) {
      await cleanup();
      throw err;
    }
  }
}
