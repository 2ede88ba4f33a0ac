/**
 * The configured backups of one slipway.yaml: sources, target, key and policy built from the
 * `backups:` section, and the operations the CLI, the scheduler and the deploy hook use.
 * Secret markers (`${secret:NAME}` in the key or a PostgreSQL URL) are resolved by the caller's
 * `resolve`, so values never sit in the config.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackupSourceSpec, BackupsSpec } from '../config/backups-model.js';
import { SlipwayError } from '../errors.js';
import { parseBackupKey, type BackupKey } from './age-adapter.js';
import { DirSource } from './dir-source.js';
import { ignoreEvents, type EmitBackupEvent } from './events.js';
import { LocalTarget } from './local-target.js';
import type { Manifest } from './manifest.js';
import { PostgresSource } from './postgres-source.js';
import { pruneBackups, type PruneReport } from './prune.js';
import { BackupRepository, type BackupEntry } from './repository.js';
import { restoreBackup, type RestoreResult } from './restore.js';
import type { RestoreMode } from './restore-mode.js';
import { runBackup } from './run-backup.js';
import type { BackupSource } from './source.js';
import { SqliteSource } from './sqlite-source.js';
import { verifyBackup, type VerifyOutcome } from './verify.js';

export interface BackupServiceOptions {
  readonly spec: BackupsSpec;
  readonly stateDir: string;
  /** Replaces secret markers in a config value by the stored values. */
  readonly resolve: (value: string) => Promise<string>;
  readonly emit?: EmitBackupEvent;
  readonly env?: NodeJS.ProcessEnv;
}

export class BackupService {
  readonly spec: BackupsSpec;
  readonly repo: BackupRepository;
  readonly #o: BackupServiceOptions;
  #key: Promise<BackupKey | 'unencrypted'> | undefined;

  constructor(o: BackupServiceOptions) {
    this.#o = o;
    this.spec = o.spec;
    this.repo = new BackupRepository(new LocalTarget(o.spec.localDir));
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
    }
  }

  /** Backs up (and verifies) the named sources, one after the other; the first failure throws. */
  async run(names: readonly string[] = Object.keys(this.spec.sources), releaseId?: string, signal?: AbortSignal): Promise<Manifest[]> {
    const key = await this.key();
    const out: Manifest[] = [];
    for (const name of names) {
      const outcome = await runBackup({
        source: await this.#source(name),
        repo: this.repo,
        key,
        lockDir: join(this.#o.stateDir, 'backups', 'locks'),
        emit: this.#emit,
        env: this.#env,
        ...(releaseId !== undefined ? { releaseId } : {}),
        ...(signal ? { signal } : {}),
      });
      out.push(outcome.manifest);
    }
    return out;
  }

  list(): Promise<BackupEntry[]> {
    return this.repo.list();
  }

  /** Verifies one backup, or the newest backup of every source. */
  async verify(id?: string): Promise<VerifyOutcome[]> {
    const key = await this.#restoreKey();
    const ids = id !== undefined ? [id] : newestPerSource(await this.repo.list(), () => true).map((e) => e.id);
    const out: VerifyOutcome[] = [];
    for (const backup of ids) out.push(await verifyBackup({ repo: this.repo, backup, key, env: this.#env, emit: this.#emit }));
    return out;
  }

  /**
   * Restores into a scratch copy by default; in place only with `force`, after a fresh safety
   * backup of the source (which must still be configured). Returns the result and that backup.
   */
  async restore(id: string, o: { to?: string | undefined; force: boolean; into?: string }): Promise<RestoreResult & { safety?: Manifest }> {
    const manifest = await this.repo.manifest(id);
    let safety: Manifest | undefined;
    const mode: RestoreMode = o.force
      ? {
          kind: 'in-place',
          force: true,
          beforeOverwrite: async (m) => {
            [safety] = await this.run([m.source.name], `before-restore-${m.id}`);
          },
        }
      : { kind: 'scratch', ...(o.into !== undefined ? { into: o.into } : {}) };
    if (o.force) this.sourceSpec(manifest.source.name); // the safety backup needs the source
    const src = manifest.source;
    const to = o.to ?? (src.kind === 'postgres' ? await this.postgresUrl(src.name) : o.force ? src.path : undefined);
    const result = await restoreBackup({ repo: this.repo, id, key: await this.#restoreKey(), mode, env: this.#env, emit: this.#emit, ...(to !== undefined ? { to } : {}) });
    return { ...result, ...(safety ? { safety } : {}) };
  }

  prune(dryRun: boolean): Promise<PruneReport> {
    return pruneBackups({ repo: this.repo, policy: this.spec.retention, dryRun, emit: this.#emit });
  }

  /** The backups taken before the deploy of `releaseId` (newest first per source). */
  async forRelease(releaseId: string): Promise<BackupEntry[]> {
    return newestPerSource(await this.repo.list(), (e) => e.manifest?.releaseId === releaseId && e.state === 'verified');
  }
}

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
