import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, lchown, lstat, mkdir, open, readdir, readFile, readlink, rm, symlink, utimes } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { diskFullError, SlipwayError } from '../errors.js';
import { isPidAlive } from '../lib/pid-alive.js';
import { spawnStage } from './child-stage.js';
import { checkTarHead } from './dir-source.js';
import { toolVersion } from './tools.js';
import type { BackupSource, SourceDescription, SourceRun } from './source.js';

export interface VolumeSourceOptions {
  readonly name: string;
  /** The volume's name (services.*.volumes). */
  readonly volume: string;
  /** Its directory in the host state (<state>/volumes/<project>/<volume>). */
  readonly path: string;
  /** Where the volume is staged (<state>/backups/scratch). */
  readonly scratchDir: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Reads of one file before giving up on it (default 8). */
  readonly attempts?: number;
  /** The role pg_basebackup connects as when the volume holds a running PostgreSQL (default: the data directory's owner). */
  readonly pgUser?: string;
}

/**
 * A volume of the project, read while its app keeps writing: each file is copied into a staged
 * tree under the state directory (<state>/backups/scratch), and a copy counts only when the
 * file did not change while it was read (same size and modification time before and after,
 * and every byte read); otherwise that file is read again, a little later each time, up to
 * `attempts` times. A file replaced by rename (temp file, then rename: how most apps save)
 * is read whole from the version opened. So every file in the backup is whole; files are
 * copied one after another, so two files the app changes together may come from moments a
 * few milliseconds apart (an app that needs several files to agree should keep them in SQLite
 * and use a `sqlite:` source). The staged tree is then archived by tar and removed. Stored as a
 * `dir` backup with the volume named in the manifest: verified, restored and drilled like a
 * directory.
 */
export class VolumeSource implements BackupSource {
  readonly kind = 'dir' as const;
  readonly suffix = '.tar';
  readonly minBytes = 10240;
  readonly headBytes = 263;
  readonly name: string;
  readonly #o: VolumeSourceOptions;
  readonly #path: string;

  constructor(o: VolumeSourceOptions) {
    this.name = o.name;
    this.#o = o;
    this.#path = resolve(o.path);
  }

  checkHead(head: Buffer): string | undefined {
    return checkTarHead(head);
  }

  describe(): SourceDescription {
    return { kind: 'dir', path: this.#path, volume: this.#o.volume };
  }

  async toolVersions(): Promise<Record<string, string>> {
    return { tar: await toolVersion(['tar', '--version'], this.#env) };
  }

  get #env(): NodeJS.ProcessEnv {
    return this.#o.env ?? process.env;
  }

  async open(signal: AbortSignal): Promise<SourceRun> {
    const info = await lstat(this.#path).catch(() => undefined);
    if (!info?.isDirectory()) {
      throw new SlipwayError('SLW_BACKUP_SOURCE_INVALID', `Volume ${this.#o.volume} has no directory yet (${this.#path}).`, {
        hint: 'A volume is made by the first deploy of a service that declares it: deploy that service, then back up.',
      });
    }
    const server = await runningPostgres(this.#path);
    if (server) return this.#baseBackup(server);
    await mkdir(this.#o.scratchDir, { recursive: true, mode: 0o700 });
    const staged = join(this.#o.scratchDir, `${this.name}-${process.pid}-${randomBytes(4).toString('hex')}`);
    const cleanup = (): Promise<void> => rm(staged, { recursive: true, force: true });
    try {
      await mkdir(staged, { mode: 0o700 });
      await this.#copyTree(this.#path, staged, signal);
      await copyMeta(this.#path, staged);
    } catch (err) {
      await cleanup();
      const full = diskFullError(err);
      if (!full) throw err;
      throw new SlipwayError('SLW_DISK_FULL', `Volume ${this.#o.volume} could not be staged for its backup: no space left on the disk of ${this.#o.scratchDir} (${String(full.details?.['errno'])}); nothing was stored and the partial copy was removed.`, {
        cause: err,
        details: { path: this.#o.scratchDir },
      });
    }
    const child = spawnStage(['tar', '--create', '--file=-', '--sort=name', `--directory=${staged}`, '.'], { env: this.#env, stdin: 'ignore', failCode: 'SLW_BACKUP_SOURCE_FAILED' });
    return { stream: child.output, children: [child], cleanup };
  }

  /**
   * A running PostgreSQL's data directory is read by PostgreSQL itself: pg_basebackup (the
   * cluster's own version) streams a tar of a consistent data directory, with the WAL it needs,
   * which starts as a copy of the cluster at the end of the backup. A file copy of a live
   * cluster would not be one.
   */
  #baseBackup(server: PostgresServer): SourceRun {
    const user = this.#o.pgUser ?? server.owner;
    const argv = [server.tool('pg_basebackup'), '--pgdata=-', '--format=tar', '--wal-method=fetch', '--checkpoint=fast', '--no-password', `--host=${server.host}`, `--port=${server.port}`, ...(user !== undefined ? [`--username=${user}`] : [])];
    const child = spawnStage(argv, { env: this.#env, stdin: 'ignore', failCode: 'SLW_BACKUP_SOURCE_FAILED' });
    return { stream: child.output, children: [child], cleanup: () => Promise.resolve() };
  }

  async #copyTree(from: string, to: string, signal: AbortSignal): Promise<void> {
    for (const entry of await readdir(from, { withFileTypes: true })) {
      signal.throwIfAborted();
      const src = join(from, entry.name);
      const dest = join(to, entry.name);
      if (entry.isDirectory()) {
        await mkdir(dest, { mode: 0o700 });
        await this.#copyTree(src, dest, signal);
      } else if (entry.isSymbolicLink()) {
        await symlink(await readlink(src), dest);
      } else if (entry.isFile()) {
        if (!(await this.#copyStable(src, dest))) continue; // removed while the volume was read
      } else {
        continue; // sockets, FIFOs, devices: not data
      }
      await copyMeta(src, dest);
    }
  }

  /**
   * Copies one file, again while it changed under the read; false when it is gone. File times
   * are coarse (the kernel stamps them from a clock that ticks every few milliseconds), so
   * equal times before and after a read prove nothing about a write in the same tick: a copy
   * counts when the file was last written at least SETTLE_MS before the read began, or when
   * its name now leads to another file (the app saved by rename: what was read is a version
   * it had finished).
   */
  async #copyStable(src: string, dest: string): Promise<boolean> {
    const attempts = this.#o.attempts ?? 8;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const handle = await open(src, 'r').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (!handle) return false;
      let wait = 5 * attempt;
      try {
        const began = Date.now();
        const before = await handle.stat({ bigint: true });
        const out = createWriteStream(dest, { mode: 0o600 });
        let bytes = 0n;
        const counted = handle.createReadStream({ autoClose: false, start: 0, highWaterMark: 1 << 20 });
        counted.on('data', (chunk: string | Buffer) => {
          bytes += BigInt(chunk.length);
        });
        await pipeline(counted, out);
        const after = await handle.stat({ bigint: true });
        const unchanged = before.mtimeNs === after.mtimeNs && before.ctimeNs === after.ctimeNs && before.size === after.size && bytes === after.size;
        const age = began - Number(after.mtimeNs / 1_000_000n);
        if (unchanged && age > SETTLE_MS) return true;
        if (unchanged && (await lstat(src, { bigint: true }).then((now) => now.ino !== after.ino, () => true))) return true;
        if (unchanged) wait = Math.max(wait, SETTLE_MS - age + 1);
      } finally {
        await handle.close();
      }
      await new Promise((r) => setTimeout(r, wait));
    }
    throw new SlipwayError('SLW_BACKUP_SOURCE_FAILED', `${src} in volume ${this.#o.volume} changed every time it was read (${attempts} reads); no backup was stored.`, {
      hint: 'The app writes this file without pause, in place: back up at a quieter time, have the app save by writing a temp file and renaming it, or keep the data in SQLite and use a `sqlite:` source.',
    });
  }
}

export interface PostgresServer {
  readonly pid: number;
  readonly host: string;
  readonly port: number;
  /** The data directory owner's name (the role initdb makes by default). */
  readonly owner: string | undefined;
  readonly tool: (name: string) => string;
}

/**
 * The PostgreSQL server running on `dir`, from its postmaster.pid (pid, data directory, start
 * time, port, socket directory, listen address): undefined when `dir` is no cluster or the
 * cluster is stopped (its files are then consistent and copied like any others).
 */
export async function runningPostgres(dir: string): Promise<PostgresServer | undefined> {
  const version = await readFile(join(dir, 'PG_VERSION'), 'utf8').catch(() => undefined);
  const pidFile = version === undefined ? undefined : await readFile(join(dir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  if (version === undefined || pidFile === undefined) return undefined;
  const [pid, , , port, socketDir, listen] = pidFile.split('\n');
  if (!isPidAlive(Number(pid))) return undefined;
  const address = (listen ?? '').split(',')[0]?.trim();
  const host = socketDir?.trim() || (address === undefined || address === '' || address === '*' ? '127.0.0.1' : address === '::' ? '::1' : address === '0.0.0.0' ? '127.0.0.1' : address);
  const bin = join('/usr/lib/postgresql', version.trim(), 'bin');
  const installed = await lstat(join(bin, 'pg_basebackup')).then(() => true, () => false);
  const uid = (await lstat(join(dir, 'PG_VERSION'))).uid;
  return { pid: Number(pid), host, port: Number(port), owner: await userName(uid), tool: (name) => (installed ? join(bin, name) : name) };
}

async function userName(uid: number): Promise<string | undefined> {
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  return passwd.split('\n').map((l) => l.split(':')).find((f) => f[2] === String(uid))?.[0];
}

/** Longer than a tick of the clock that stamps file times (1–10 ms on Linux). */
const SETTLE_MS = 25;

/** Mode, owner (where allowed) and times of `src` onto the staged copy (tar stores them). */
async function copyMeta(src: string, dest: string): Promise<void> {
  const s = await lstat(src).catch(() => undefined);
  if (!s) return;
  await lchown(dest, s.uid, s.gid).catch(() => undefined);
  if (s.isSymbolicLink()) return;
  await chmod(dest, s.mode & 0o7777);
  await utimes(dest, s.atime, s.mtime);
}
