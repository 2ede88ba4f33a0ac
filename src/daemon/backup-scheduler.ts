/**
 * Runs `backups.schedule` (back up every source, then prune) and `backups.drill.schedule`
 * in the daemon, from the config the daemon was started with. One timer per job, re-armed
 * after each run from the cron expression; a run never overlaps the previous one of its job.
 */
import { existsSync } from 'node:fs';
import { SlipwayError, toSlipwayError } from '../errors.js';
import { nextCronTime } from '../lib/cron-adapter.js';
import type { Logger } from '../lib/logger.js';
import type { ConfigRef, DaemonBackups } from './backup-wiring.js';

/** setTimeout holds at most ~24.8 days; longer waits are re-armed. */
const MAX_WAIT_MS = 2 ** 31 - 1;

/** Time and timers of the scheduler: the real ones, or a test's. */
export interface SchedulerClock {
  now(): number;
  /** Calls `fn` after `ms`; returns what cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export const realClock: SchedulerClock = {
  now: () => Date.now(),
  after: (ms, fn) => {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

export class BackupScheduler {
  readonly #timers = new Set<() => void>();
  readonly #running = new Set<Promise<void>>();
  #closed = false;

  constructor(
    readonly backups: DaemonBackups,
    readonly ref: ConfigRef,
    readonly log: (line: string) => void,
    readonly clock: SchedulerClock = realClock,
  ) {}

  /** Arms the jobs the config asks for; returns their names. */
  async start(): Promise<string[]> {
    const service = await this.backups.open(this.ref);
    const jobs: string[] = [];
    const { schedule, drill } = service.spec;
    if (schedule) {
      this.#arm(schedule, 'backup', async () => {
        const s = await this.backups.open(this.ref);
        const manifests = await s.run();
        const pruned = await s.prune(false);
        return `backed up ${manifests.map((m) => m.id).join(', ')}; pruned ${pruned.removed.length}`;
      });
      jobs.push(`backup (${schedule})`);
    }
    if (drill?.schedule) {
      this.#arm(drill.schedule, 'drill', async () => {
        const { runDrill } = await import('../backup/drill.js');
        const results = await runDrill(await this.backups.open(this.ref), this.backups.stateDir);
        return results.map((r) => `${r.source}: ${r.ok ? 'pass' : `FAIL (${r.detail})`}`).join(', ');
      });
      jobs.push(`drill (${drill.schedule})`);
    }
    return jobs;
  }

  #arm(expression: string, name: string, job: () => Promise<string>): void {
    if (this.#closed) return;
    const at = nextCronTime(expression, this.clock.now());
    const cancel = this.clock.after(Math.min(Math.max(0, at - this.clock.now()), MAX_WAIT_MS), () => {
      this.#timers.delete(cancel);
      if (this.clock.now() < at) return this.#arm(expression, name, job);
      const run = job()
        .then((line) => this.log(`scheduled ${name}: ${line}`))
        .catch((err) => {
          const e = toSlipwayError(err);
          this.log(`scheduled ${name} failed: ${e.message} [${e.code}]`);
        })
        .finally(() => {
          this.#running.delete(run);
          this.#arm(expression, name, job);
        });
      this.#running.add(run);
    });
    this.#timers.add(cancel);
  }

  /** Resolves once no run is in progress (runs started meanwhile included). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  /** No new runs; waits for the ones in progress. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const cancel of this.#timers) cancel();
    this.#timers.clear();
    await this.idle();
  }
}

/**
 * `backups.schedule` and `backups.drill.schedule` of the daemon's config, armed; undefined when
 * there is no file, no schedule, or a config that does not load (said through `warn`).
 */
export async function startBackupSchedule(
  backups: DaemonBackups,
  own: { readonly configFile: string | undefined; readonly env: string | undefined },
  log: Logger,
  warn: (message: string) => void,
): Promise<{ scheduler: BackupScheduler; jobs: string[] } | undefined> {
  const file = own.configFile;
  if (!file || !existsSync(file)) return undefined;
  const ref = { configFile: file, env: own.env };
  const scheduler = new BackupScheduler(backups, ref, (line) => log.info(line));
  try {
    const jobs = await scheduler.start();
    // Listing the targets (S3 included) may take a while: metrics fill in when it is done.
    void backups.seedMonitor(ref).catch((err: unknown) => {
      log.warn('backup metrics: reading the targets failed', { error: err instanceof Error ? err.message : String(err) });
    });
    return { scheduler, jobs };
  } catch (err) {
    const e = err instanceof SlipwayError ? err : undefined;
    if (e?.code !== 'SLW_BACKUP_NOT_CONFIGURED') warn(`backup schedule off: ${e ? `${e.message} [${e.code}]` : String(err)}`);
    return undefined;
  }
}

