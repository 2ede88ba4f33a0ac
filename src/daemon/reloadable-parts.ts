import type { AlertService } from '../observability/alerting/alert-service.js';
import { toSlipwayError } from '../errors.js';
import type { RunningAdmin } from './admin-wiring.js';
import type { BackupScheduler } from './backup-scheduler.js';
import { DAEMON_SETTINGS, changedSettings, type DaemonSetting, type ReloadResult } from './daemon-settings.js';

type Warn = (message: string) => void;

/** How the daemon starts each part from its config file as it is now. */
export interface PartStarters {
  readonly alerts: (warn: Warn) => Promise<AlertService | undefined>;
  /** The admin listener reports the alerts running when it starts, so a reload of alerts restarts it. */
  readonly admin: (alerts: AlertService | undefined, warn: Warn) => Promise<RunningAdmin | undefined>;
  /** The backup schedule and the jobs it armed ("backup (0 3 * * *)"); undefined when off. */
  readonly backupSchedule: (warn: Warn) => Promise<{ scheduler: BackupScheduler; jobs: string[] } | undefined>;
  /** JSON of each daemon-level section of the config; a config that does not load throws its coded error. */
  readonly settings: () => Promise<Record<DaemonSetting, string>>;
}

/**
 * The parts of the daemon that its config's daemon-level sections drive (alert evaluator, admin
 * listener, backup schedule): started with the daemon, applied again by `slipway daemon reload`
 * or a deploy without a restart (each changed part stopped and started again), closed with it.
 */
export class ReloadableParts {
  readonly #start: PartStarters;
  #alerts: AlertService | undefined;
  #admin: RunningAdmin | undefined;
  #scheduler: BackupScheduler | undefined;
  #jobs: string[] = [];
  /** The sections as last applied; undefined while the config did not load. */
  #settings: Record<DaemonSetting, string> | undefined;
  /** One reload at a time (a deploy and `slipway daemon reload` may ask together). */
  #reloading: Promise<unknown> = Promise.resolve();

  constructor(start: PartStarters) {
    this.#start = start;
  }

  get alerts(): AlertService | undefined {
    return this.#alerts;
  }

  /** "host:port" of the admin listener, when there is one. */
  get adminAddress(): string | undefined {
    return this.#admin?.address;
  }

  /** At daemon start: a part that fails to start fails the start (a busy admin port is the CLI's error). */
  async start(warn: Warn): Promise<void> {
    this.#alerts = await this.#start.alerts(warn);
    this.#admin = await this.#start.admin(this.#alerts, warn);
    await this.#startSchedule(warn);
    this.#settings = await this.#start.settings().catch(() => undefined);
  }

  /**
   * Applies the sections that changed since they were last applied; a config that does not load
   * changes nothing. `read`: the sections as a deploy from the daemon's file just read them (else
   * the file is read again).
   */
  reload(read?: Record<DaemonSetting, string>): Promise<ReloadResult> {
    const run = this.#reloading.then(() => this.#reload(read));
    this.#reloading = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.#admin?.server.close();
    await this.#alerts?.close();
    await this.#scheduler?.close();
  }

  async #reload(read: Record<DaemonSetting, string> | undefined): Promise<ReloadResult> {
    const now = read ?? (await this.#start.settings());
    const changed = changedSettings(this.#settings, now);
    const warnings: string[] = [];
    const warn: Warn = (m) => void warnings.push(m);
    const applied = new Set<DaemonSetting>();
    if (changed.includes('alerts')) {
      await this.#alerts?.close();
      this.#alerts = undefined;
      this.#alerts = await this.#start.alerts(warn);
      applied.add('alerts');
    }
    if (changed.includes('admin') || (applied.has('alerts') && this.#admin)) {
      await this.#admin?.server.close();
      this.#admin = undefined;
      try {
        this.#admin = await this.#start.admin(this.#alerts, warn);
        applied.add('admin');
      } catch (err) {
        const e = toSlipwayError(err);
        warnings.push(`admin listener off: ${e.message} [${e.code}]`);
        now.admin = 'failed';
      }
    }
    if (changed.includes('backups')) {
      await this.#scheduler?.close();
      this.#scheduler = undefined;
      this.#jobs = [];
      await this.#startSchedule(warn);
      applied.add('backups');
    }
    this.#settings = now;
    return {
      applied: DAEMON_SETTINGS.filter((n) => applied.has(n)),
      unchanged: DAEMON_SETTINGS.filter((n) => !changed.includes(n)),
      warnings,
      ...(this.adminAddress ? { admin: this.adminAddress } : {}),
      backupJobs: [...this.#jobs],
    };
  }

  async #startSchedule(warn: Warn): Promise<void> {
    const schedule = await this.#start.backupSchedule(warn);
    this.#scheduler = schedule?.scheduler;
    this.#jobs = schedule?.jobs ?? [];
  }
}
