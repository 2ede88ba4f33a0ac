/**
 * Backups in the daemon: the configured BackupService per request (config read like a deploy
 * reads it, secrets resolved from the store), the control API handlers of `slipway backup …`,
 * the pre-deploy snapshot hook the engine calls, and the data half of `rollback --with-data`.
 * The backup code (and through it the S3 client, age and the compressors) loads on the first
 * use of a config that has `backups:`: a daemon without backups never carries it.
 */
import type { BackupService } from '../backup/backup-service.js';
import type { BackupEntry } from '../backup/repository.js';
import type { Manifest } from '../backup/manifest.js';
import type { BackupView } from '../api/backup-schemas.js';
import type { DeployResult, ProgressEvent } from '../api/schemas.js';
import { join } from 'node:path';
import { loadConfig } from './config-checker.js';
import type { Config } from '../config/model.js';
import { SlipwayError, toSlipwayError } from '../errors.js';
import type { DaemonSecrets } from '../secrets/daemon-secrets.js';
import { hasRefs, refsIn, replaceRefs } from '../secrets/reference.js';
import type { BackupMonitor } from './backup-monitor.js';
import type { PlainHandlers } from './control-server.js';

export interface ConfigRef {
  readonly configFile: string;
  readonly env?: string | undefined;
}

export class DaemonBackups {
  readonly #stateDir: string;
  readonly #secrets: DaemonSecrets;
  readonly #monitor: BackupMonitor | undefined;

  readonly #volumesRoot: ((project: string) => string) | undefined;

  constructor(o: { stateDir: string; secrets: DaemonSecrets; monitor?: BackupMonitor; volumesRoot?: (project: string) => string }) {
    this.#stateDir = o.stateDir;
    this.#volumesRoot = o.volumesRoot;
    this.#secrets = o.secrets;
    this.#monitor = o.monitor;
  }

  /** Seeds the metrics from the backups on the targets and the last drills (at daemon start). */
  async seedMonitor(ref: ConfigRef): Promise<void> {
    if (this.#monitor) await this.#monitor.seed(await this.open(ref), this.#stateDir);
  }

  get stateDir(): string {
    return this.#stateDir;
  }

  async open(ref: ConfigRef): Promise<BackupService> {
    return await this.of(await loadConfig({ file: ref.configFile, ...(ref.env !== undefined ? { env: ref.env } : {}) }));
  }

  /** The service of a loaded config; SLW_BACKUP_NOT_CONFIGURED without `backups:`. */
  async of(config: Config): Promise<BackupService> {
    if (!config.backups) {
      throw new SlipwayError('SLW_BACKUP_NOT_CONFIGURED', `${config.file} has no backups section.`, {
        hint: 'Add `backups:` with a key, targets (e.g. local: { dir: ./backups }) and sources (docs/config.md#backups).',
      });
    }
    this.#monitor?.configure(config.backups);
    const { BackupService } = await import('../backup/backup-service.js');
    const root = this.#volumesRoot?.(config.project);
    return new BackupService({
      spec: config.backups,
      stateDir: this.#stateDir,
      resolve: (v) => this.#resolve(v),
      ...(root !== undefined ? { volumeDir: (volume: string) => join(root, volume) } : {}),
      volumeUser: (spec) => postgresUserOf(config, spec.service),
      ...(this.#monitor ? { emit: this.#monitor.record } : {}),
    });
  }

  async #resolve(value: string): Promise<string> {
    if (!hasRefs(value)) return value;
    const values = new Map<string, string>();
    for (const r of refsIn(value)) values.set(`${r.env}:${r.ref}`, (await this.#secrets.get(r.env, r.ref)).reveal());
    return replaceRefs(value, (r) => values.get(`${r.env}:${r.ref}`) ?? '');
  }

  restoreAfterRollback(ref: ConfigRef, results: readonly DeployResult[], emit: (e: ProgressEvent) => void): Promise<SlipwayError | undefined> {
    return restoreAfterRollbackOf(this, ref, results, emit);
  }

  /** Engine hook: snapshots `beforeDeploy` sources, tied to `<service>@<release>`. */
  async beforeBuild(config: Config, service: string, release: string): Promise<string | undefined> {
    const names = config.backups?.beforeDeploy ?? [];
    if (names.length === 0) return undefined;
    const { releaseTag } = await import('../backup/backup-service.js');
    const manifests = await (await this.of(config)).run(names, releaseTag(service, release));
    return manifests.map((m) => `${m.source.name}: ${m.id}`).join(', ');
  }

  /**
   * After a rollback from `release`: restores, in place (after a safety backup), the snapshot
   * taken before that release was deployed. Notes go to the rollback's progress stream.
   */
  async restoreReleaseData(ref: ConfigRef, service: string, release: string, emit: (e: ProgressEvent) => void): Promise<void> {
    const backups = await this.open(ref);
    const { releaseTag } = await import('../backup/backup-service.js');
    const tag = releaseTag(service, release);
    const snapshots = await backups.forRelease(tag);
    if (snapshots.length === 0) {
      throw new SlipwayError('SLW_BACKUP_NOT_FOUND', `There is no verified pre-deploy snapshot of ${tag}; the data was not restored.`, {
        hint: 'Snapshots are taken for the sources in backups.beforeDeploy. See `slipway backup list`.',
      });
    }
    for (const s of snapshots) {
      const r = await backups.restore(s.id, { force: true });
      emit({ type: 'note', service, message: `data of ${s.source} restored from ${s.id} (taken before ${tag}) into ${r.restoredTo}; safety backup ${r.safety?.id ?? 'none'}` });
    }
  }
}

/** Data half of `rollback --with-data`, for every service that rolled back; the first failure is returned. */
export async function restoreAfterRollbackOf(
  backups: DaemonBackups,
  ref: ConfigRef,
  results: readonly DeployResult[],
  emit: (e: ProgressEvent) => void,
): Promise<SlipwayError | undefined> {
  for (const r of results) {
    if (r.kind !== 'rollback' || r.outcome !== 'succeeded' || !r.fromRelease) continue;
    try {
      await backups.restoreReleaseData(ref, r.service, r.fromRelease, emit);
    } catch (err) {
      return toSlipwayError(err);
    }
  }
  return undefined;
}

export function backupView(e: BackupEntry & { readonly target?: string }): BackupView {
  const m: Manifest | undefined = e.manifest;
  return {
    id: e.id,
    source: e.source,
    state: e.state,
    ...(e.target !== undefined ? { target: e.target } : {}),
    ...(m
      ? { kind: m.source.kind, ...(m.source.kind === 'dir' && m.source.volume !== undefined ? { volume: m.source.volume } : {}), startedAt: m.startedAt, bytes: m.object.bytes, durationMs: m.durationMs, encrypted: m.encryption.kind === 'age', ...(m.releaseId ? { releaseId: m.releaseId } : {}) }
      : {}),
    ...(e.problem ? { problem: e.problem } : {}),
  };
}

type BackupHandlers = Pick<PlainHandlers, 'backup.run' | 'backup.list' | 'backup.verify' | 'backup.restore' | 'backup.prune' | 'backup.drill'>;

export function backupHandlers(backups: DaemonBackups): BackupHandlers {
  return {
    'backup.run': async (req) => {
      const service = await backups.open(req);
      const manifests = await service.run(req.source !== undefined ? [service.sourceSpec(req.source).name] : undefined);
      const ids = new Set(manifests.map((m) => m.id));
      return { backups: (await service.list()).filter((e) => ids.has(e.id)).map(backupView) };
    },
    'backup.list': async (req) => ({ backups: (await (await backups.open(req)).list()).map(backupView) }),
    'backup.verify': async (req) => {
      const outcomes = await (await backups.open(req)).verify(req.id);
      return { results: outcomes.map((o) => ({ id: o.id, ok: o.ok, target: o.target, ...(o.ok ? {} : { error: toSlipwayError(o.error).toJSON() }) })) };
    },
    'backup.restore': async (req) => {
      const r = await (await backups.open(req)).restore(req.id, { to: req.to, force: req.force });
      return { id: r.id, source: r.manifest.source.name, restoredTo: r.restoredTo, ...(r.safety ? { safetyBackup: r.safety.id } : {}) };
    },
    'backup.prune': async (req) => {
      const report = await (await backups.open(req)).prune(req.dryRun);
      return {
        dryRun: report.dryRun,
        kept: report.kept.map((k) => ({ id: k.entry.id, source: k.entry.source, reasons: [...k.reasons] })),
        removed: report.removed.map(backupView),
      };
    },
    'backup.drill': async (req) => {
      const { runDrill } = await import('../backup/drill.js');
      return { drills: await runDrill(await backups.open(req), backups.stateDir) };
    },
  };
}

/**
 * The role a volume source of SERVICE reads that service's running PostgreSQL as: the user of
 * the first postgres:// URL among its outputs (the one its clients connect with).
 */
function postgresUserOf(config: Config, service: string | undefined): string | undefined {
  const outputs = service !== undefined ? config.services[service]?.outputs : undefined;
  for (const value of Object.values(outputs ?? {})) {
    const user = /^postgres(?:ql)?:\/\/([^:@/]+)[:@]/.exec(value)?.[1];
    if (user !== undefined) return decodeURIComponent(user);
  }
  return undefined;
}
