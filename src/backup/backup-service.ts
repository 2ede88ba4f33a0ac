/**
 * The configured backups of one slipway.yaml: sources, target, key and policy built from the
 * `backups:` section, and the operations the CLI, the scheduler and the deploy hook use.
 * Secret markers (`${secret:NAME}` in the key or a PostgreSQL URL) are resolved by the caller's
 * `resolve`, so values never sit in the config.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackupSourceSpec, BackupsSpec, BackupTargetSpec } from '../config/backups-model.js';
import { SlipwayError, toSlipwayError } from '../errors.js';
import { parseBackupKey, type BackupKey } from './age-adapter.js';
import { DirSource } from './dir-source.js';
import { ignoreEvents, onTarget, type EmitBackupEvent } from './events.js';
import { LocalTarget } from './local-target.js';
import type { Manifest } from './manifest.js';
import { PostgresSource } from './postgres-source.js';
import { pruneBackups, type PruneReport } from './prune.js';
import { BackupRepository, type BackupEntry } from './repository.js';
import { replicateBackup } from './replicate.js';
import { restoreBackup, type RestoreResult } from './restore.js';
import { scratchName, type RestoreMode } from './restore-mode.js';
import { runBackup } from './run-backup.js';
import type { BackupSource } from './source.js';
import { SqliteSource } from './sqlite-source.js';
import { runningPostgres, VolumeSource } from './volume-source.js';
import type { BackupTarget } from './target.js';
import { verifyBackup, type VerifyOutcome } from './verify.js';

export interface BackupServiceOptions {
  readonly spec: BackupsSpec;
  readonly stateDir: string;
  /** Replaces secret markers in a config value by the stored values. */
  readonly resolve: (value: string) => Promise<string>;
  readonly emit?: EmitBackupEvent;
  readonly env?: NodeJS.ProcessEnv;
  /** The directory of a volume of the project in the host state (volume sources); absent: volumes cannot be backed up. */
  readonly volumeDir?: (volume: string) => string;
  /** The PostgreSQL role a volume source reads a running cluster as (from its service's outputs); absent: the data directory's owner. */
  readonly volumeUser?: (spec: Extract<BackupSourceSpec, { kind: 'volume' }>) => string | undefined;
  /** Builds the target of a spec (tests tune S3 part sizes here); default: buildTarget. */
  readonly target?: (spec: BackupTargetSpec, resolve: (value: string) => Promise<string>) => Promise<BackupTarget>;
}

/** One configured target and the backups on it. */
export interface TargetRepo {
  readonly name: string;
  readonly repo: BackupRepository;
}

/** A backup as listed on one target. */
export type TargetEntry = BackupEntry & { readonly target: string };

/** Unfinished multipart uploads older than this are aborted by prune (a crash left them). */
const STALE_UPLOAD_MS = 24 * 3600_000;

export async function buildTarget(spec: BackupTargetSpec, resolve: (value: string) => Promise<string>): Promise<BackupTarget> {
  switch (spec.kind) {
    case 'dir':
      return new LocalTarget(spec.path);
    case 's3': {
      const { accessKey, secretKey, ...rest } = spec.s3;
      // The S3 client (AWS SDK) loads only for an S3 target: local backups never carry it.
      const { S3Target } = await import('./s3-target.js');
      return new S3Target({ ...rest, accessKeyId: await resolve(accessKey), secretAccessKey: await resolve(secretKey) });
    }
  }
}

export class BackupService {
  readonly spec: BackupsSpec;
  readonly #o: BackupServiceOptions;
  #key: Promise<BackupKey | 'unencrypted'> | undefined;
  #targets: Promise<TargetRepo[]> | undefined;

  constructor(o: BackupServiceOptions) {
    this.#o = o;
    this.spec = o.spec;
  }

  /** The configured targets in config order; the first is the primary (backups are made there, then copied). */
  targets(): Promise<TargetRepo[]> {
    this.#targets ??= Promise.all(
      this.spec.targets.map(async (t) => ({ name: t.name, repo: new BackupRepository(await (this.#o.target ?? buildTarget)(t, this.#o.resolve)) })),
    );
    return this.#targets;
  }

  /** Emits an event of the core (the drill reports through here). */
  report(event: Parameters<EmitBackupEvent>[0], target?: string): void {
    this.#emit(event, target);
  }

  get #emit(): EmitBackupEvent {
    return this.#o.emit ?? ignoreEvents;
  }

  get #env(): NodeJS.ProcessEnv {
    return this.#o.env ?? process.env;
  }

  key(): Promise<BackupKey | 'unencrypted'> {
    this.#key ??= this.#readKey();
    return this.#key;
  }

  async #readKey(): Promise<BackupKey | 'unencrypted'> {
    const k = this.spec.key;
    switch (k.kind) {
      case 'none':
        return 'unencrypted';
      case 'file':
        return parseBackupKey(await readFile(k.path, 'utf8'));
      case 'value':
        return parseBackupKey(await this.#o.resolve(k.value));
    }
  }

  async #restoreKey(): Promise<BackupKey | undefined> {
    const key = await this.key();
    return key === 'unencrypted' ? undefined : key;
  }

  sourceSpec(name: string): BackupSourceSpec {
    const spec = this.spec.sources[name];
    if (!spec) {
      throw new SlipwayError('SLW_BACKUP_SOURCE_INVALID', `There is no backup source "${name}" in backups.sources.`, {
        hint: `Sources: ${Object.keys(this.spec.sources).join(', ') || '(none)'}.`,
      });
    }
    return spec;
  }

  /** The directory of a volume of the project (a volume source's data). */
  volumeDir(volume: string): string {
    if (!this.#o.volumeDir) throw new SlipwayError('SLW_BACKUP_SOURCE_INVALID', `Volume ${volume} can be backed up only by the daemon that holds the project's volumes.`);
    return this.#o.volumeDir(volume);
  }

  /** The server URL of a PostgreSQL source, credentials resolved. */
  async postgresUrl(name: string): Promise<string | undefined> {
    const spec = this.spec.sources[name];
    return spec?.kind === 'postgres' ? this.#o.resolve(spec.url) : undefined;
  }

  async #source(name: string): Promise<BackupSource> {
    const spec = this.sourceSpec(name);
    const env = this.#env;
    switch (spec.kind) {
      case 'postgres':
        return new PostgresSource({ name, url: await this.#o.resolve(spec.url), env });
      case 'dir':
        return new DirSource({ name, path: spec.path, env });
      case 'sqlite':
        return new SqliteSource({ name, path: spec.path, scratchDir: join(this.#o.stateDir, 'backups', 'scratch'), env });
      case 'volume':
      {
        const pgUser = this.#o.volumeUser?.(spec);
        return new VolumeSource({ name, volume: spec.volume, path: this.volumeDir(spec.volume), scratchDir: join(this.#o.stateDir, 'backups', 'scratch'), env, ...(pgUser !== undefined ? { pgUser } : {}) });
      }
    }
  }

  /**
   * Backs up (and verifies) the named sources, one after the other, on the primary target, then
   * copies each backup to the other targets (and verifies it there). A failure on the primary
   * throws at once; a failed copy throws after every source and target was tried.
   */
  async run(names: readonly string[] = Object.keys(this.spec.sources), releaseId?: string, signal?: AbortSignal): Promise<Manifest[]> {
    const key = await this.key();
    const [primary, ...others] = await this.targets();
    if (!primary) throw new SlipwayError('SLW_BACKUP_NOT_CONFIGURED', 'backups.targets is empty.');
    const out: Manifest[] = [];
    const copyErrors: SlipwayError[] = [];
    for (const name of names) {
      let outcome: Awaited<ReturnType<typeof runBackup>>;
      try {
        outcome = await runBackup({
          source: await this.#source(name),
          repo: primary.repo,
          key,
          lockDir: join(this.#o.stateDir, 'backups', 'locks'),
          emit: onTarget(this.#emit, primary.name),
          env: this.#env,
          ...(releaseId !== undefined ? { releaseId } : {}),
          ...(signal ? { signal } : {}),
        });
      } catch (err) {
        const error = toSlipwayError(err);
        this.#emit({ type: 'backup.finished', source: name, id: undefined, ok: false, error });
        throw error;
      }
      out.push(outcome.manifest);
      let failure = outcome.verification && !outcome.verification.ok ? outcome.verification.error : undefined;
      for (const other of others) {
        const emit = onTarget(this.#emit, other.name);
        try {
          const copy = await replicateBackup({ manifest: outcome.manifest, from: primary.repo, to: other.repo, key, env: this.#env, emit, ...(signal ? { signal } : {}) });
          if (copy && !copy.ok) throw copy.error;
        } catch (err) {
          const error = toSlipwayError(err);
          emit({ type: 'backup.failed', source: name, id: outcome.manifest.id, error });
          copyErrors.push(error);
          failure ??= error;
        }
      }
      this.#emit({ type: 'backup.finished', source: name, id: outcome.manifest.id, ok: failure === undefined, ...(failure ? { error: failure } : {}) });
    }
    if (copyErrors[0]) throw copyErrors[0];
    return out;
  }

  /** Every backup on every target, newest first (a backup copied to two targets is listed twice). */
  async list(): Promise<TargetEntry[]> {
    const lists = await Promise.all((await this.targets()).map(async (t) => (await t.repo.list()).map((e): TargetEntry => ({ ...e, target: t.name }))));
    return lists.flat().sort((a, b) => startedAt(b) - startedAt(a));
  }

  /** Verifies one backup (on every target that holds it), or the newest backup of every source on every target. */
  async verify(id?: string): Promise<(VerifyOutcome & { readonly target: string })[]> {
    const key = await this.#restoreKey();
    const targets = await this.targets();
    const out: (VerifyOutcome & { readonly target: string })[] = [];
    for (const t of targets) {
      const entries = await t.repo.list();
      const ids = id !== undefined ? entries.filter((e) => e.id === id).map((e) => e.id) : newestPerSource(entries, () => true).map((e) => e.id);
      for (const backup of ids) out.push({ ...(await verifyBackup({ repo: t.repo, backup, key, env: this.#env, emit: onTarget(this.#emit, t.name) })), target: t.name });
    }
    if (id !== undefined && out.length === 0 && targets[0]) {
      out.push({ ...(await verifyBackup({ repo: targets[0].repo, backup: id, key, env: this.#env, emit: onTarget(this.#emit, targets[0].name) })), target: targets[0].name });
    }
    return out;
  }

  /** The target to read a backup from: the first where it is verified, else the first that lists it. */
  async #holder(id: string): Promise<TargetRepo> {
    const targets = await this.targets();
    const states = await Promise.all(targets.map(async (t) => (await t.repo.list()).find((e) => e.id === id)?.state));
    const i = states.indexOf('verified');
    const found = i >= 0 ? i : states.findIndex((s) => s !== undefined);
    return targets[found >= 0 ? found : 0]!;
  }

  /**
   * Restores into a scratch copy by default; in place only with `force`, after a fresh safety
   * backup of the source (which must still be configured). Returns the result and that backup.
   */
  async restore(id: string, o: { to?: string | undefined; force: boolean; into?: string }): Promise<RestoreResult & { safety?: Manifest }> {
    const holder = await this.#holder(id);
    const manifest = await holder.repo.manifest(id);
    let safety: Manifest | undefined;
    const src = manifest.source;
    // A scratch copy of a volume goes under the state's backups/restored/, not among the volumes.
    const into = o.into ?? (o.to === undefined && src.kind === 'dir' && src.volume !== undefined ? scratchName(join(this.#o.stateDir, 'backups', 'restored', src.volume), manifest, '.') : undefined);
    const mode: RestoreMode = o.force
      ? {
          kind: 'in-place',
          force: true,
          beforeOverwrite: async (m) => {
            [safety] = await this.run([m.source.name], `before-restore-${m.id}`);
          },
        }
      : { kind: 'scratch', ...(into !== undefined ? { into } : {}) };
    if (o.force) this.sourceSpec(manifest.source.name); // the safety backup needs the source
    // In place, a volume goes back to where the project's volume lives now.
    const home = src.kind === 'dir' && src.volume !== undefined && this.#o.volumeDir ? this.#o.volumeDir(src.volume) : src.kind === 'postgres' ? undefined : src.path;
    const to = o.to ?? (src.kind === 'postgres' ? await this.postgresUrl(src.name) : o.force ? home : undefined);
    if (o.force && src.kind === 'dir' && to !== undefined) await refuseLiveCluster(to);
    const result = await restoreBackup({ repo: holder.repo, id, key: await this.#restoreKey(), mode, env: this.#env, emit: onTarget(this.#emit, holder.name), ...(to !== undefined ? { to } : {}) });
    return { ...result, ...(safety ? { safety } : {}) };
  }

  /** Applies the retention policy to every target on its own; not a dry run: also aborts stale multipart uploads. */
  async prune(dryRun: boolean): Promise<PruneReport> {
    const reports: PruneReport[] = [];
    for (const t of await this.targets()) {
      reports.push(await pruneBackups({ repo: t.repo, policy: this.spec.retention, dryRun, emit: onTarget(this.#emit, t.name) }));
      if (!dryRun && t.repo.target.sweep) await t.repo.target.sweep(new Date(Date.now() - STALE_UPLOAD_MS));
    }
    return {
      dryRun,
      kept: reports.flatMap((r) => r.kept),
      removed: reports.flatMap((r) => r.removed),
      broken: reports.flatMap((r) => r.broken),
    };
  }

  /** The backups taken before the deploy of `releaseId` (newest first per source). */
  async forRelease(releaseId: string): Promise<BackupEntry[]> {
    return newestPerSource(await this.list(), (e) => e.manifest?.releaseId === releaseId && e.state === 'verified');
  }
}

const startedAt = (e: BackupEntry): number => (e.manifest ? Date.parse(e.manifest.startedAt) : -Infinity);

/** The newest matching entry of every source (entries come newest first). */
export function newestPerSource(entries: readonly BackupEntry[], keep: (e: BackupEntry) => boolean): BackupEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    if (!e.manifest || !keep(e) || seen.has(e.source)) return false;
    seen.add(e.source);
    return true;
  });
}

/** The release id stored in the manifests of a pre-deploy snapshot: `<service>@<release>`. */
export function releaseTag(service: string, release: string): string {
  return `${service}@${release}`;
}

/** A directory restored in place must not hold a running PostgreSQL: it would write on into the files swapped under it. */
async function refuseLiveCluster(dir: string): Promise<void> {
  const server = await runningPostgres(dir);
  if (!server) return;
  throw new SlipwayError('SLW_BACKUP_RESTORE_IN_USE', `${dir} holds a PostgreSQL that is running (pid ${server.pid}, port ${server.port}); nothing was restored or changed.`, {
    details: { pid: server.pid },
  });
}
