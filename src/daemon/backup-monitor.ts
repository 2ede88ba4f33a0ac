/**
 * The daemon's view of backups for metrics and alerts, fed by the backup core's events (and
 * seeded at start from the targets and the last drills, so freshness survives a restart):
 * the newest verified backup per source and target, run, verify and drill outcomes, and how
 * far each source is past its maximum age. The clock is injectable for tests.
 */
import { readFile } from 'node:fs/promises';
import type { BackupService } from '../backup/backup-service.js';
import type { DrillResult } from '../backup/drill.js';
import type { BackupEvent } from '../backup/events.js';
import type { Manifest } from '../backup/manifest.js';
import type { BackupsSpec } from '../config/backups-model.js';
import type { EventInput } from '../api/event-schemas.js';
import { nextCronTime } from '../lib/cron-adapter.js';
import type { BackupMetrics } from '../observability/backup-metrics.js';

type Newest = BackupMetrics['newest'][number];
type Drill = { lastOk: boolean | undefined; passed: number; failed: number };

/** Without backups.maxAge, a scheduled source is stale after this many of its intervals. */
export const STALE_INTERVALS = 2;

export class BackupMonitor {
  readonly #now: () => number;
  readonly #startedAt: number;
  readonly #newest = new Map<string, Newest>();
  readonly #committed = new Map<string, Manifest>();
  readonly #runs = new Map<string, number>();
  readonly #verifyFailures = new Map<string, number>();
  readonly #drills = new Map<string, Drill>();
  #maxAge = new Map<string, number>();

  readonly #publish: ((event: EventInput) => void) | undefined;

  /** `publish`: runs, verifications and drills that ended, for the daemon's event stream (`slipway events`). */
  constructor(o: { now?: () => number; publish?: (event: EventInput) => void } = {}) {
    this.#now = o.now ?? Date.now;
    this.#publish = o.publish;
    this.#startedAt = this.#now();
  }

  /** The sources and their maximum age, from the config in use. */
  configure(spec: BackupsSpec): void {
    const maxAge = spec.maxAgeMs ?? (spec.schedule ? STALE_INTERVALS * cronInterval(spec.schedule, this.#now()) : undefined);
    this.#maxAge = new Map(maxAge === undefined ? [] : Object.keys(spec.sources).map((s) => [s, maxAge]));
  }

  /** Reads the newest verified backup of every source on every target, and the last drills. */
  async seed(service: BackupService, stateDir: string): Promise<void> {
    this.configure(service.spec);
    for (const e of await service.list()) if (e.state === 'verified' && e.manifest) this.#good(e.manifest, e.target);
    const { drillsFile } = await import('../backup/drill.js');
    const saved = await readFile(drillsFile(stateDir), 'utf8').catch(() => undefined);
    const drills = saved ? ((JSON.parse(saved) as { drills?: DrillResult[] }).drills ?? []) : [];
    for (const d of drills) if (!this.#drills.has(d.source)) this.#drills.set(d.source, { lastOk: d.ok, passed: 0, failed: 0 });
  }

  /** The core's events (an EmitBackupEvent). */
  readonly record = (event: BackupEvent, target = ''): void => {
    this.#announce(event, target);
    switch (event.type) {
      case 'backup.committed':
        this.#committed.set(`${target}\0${event.id}`, event.manifest);
        break;
      case 'backup.verified': {
        const manifest = this.#committed.get(`${target}\0${event.id}`);
        this.#committed.delete(`${target}\0${event.id}`);
        if (manifest) this.#good(manifest, target);
        break;
      }
      case 'backup.verify-failed':
        if (event.source) bump(this.#verifyFailures, `${event.source}\0${target}`);
        break;
      case 'backup.finished':
        bump(this.#runs, `${event.source}\0${event.ok ? 'succeeded' : 'failed'}`);
        break;
      case 'backup.drilled': {
        const d = this.#drills.get(event.source) ?? { lastOk: undefined, passed: 0, failed: 0 };
        this.#drills.set(event.source, { lastOk: event.ok, passed: d.passed + (event.ok ? 1 : 0), failed: d.failed + (event.ok ? 0 : 1) });
        break;
      }
      default:
        break;
    }
  };

  #announce(event: BackupEvent, target: string): void {
    const failure = (e: { code: string; message: string } | undefined): Record<string, string> => (e ? { detail: `${e.code}: ${e.message}` } : {});
    const on = target ? ` (${target})` : '';
    if (event.type === 'backup.finished') this.#publish?.({ kind: 'backup', source: event.source, what: event.ok ? `backed up${event.id ? ` ${event.id}` : ''}` : 'failed', ...failure(event.error) });
    else if (event.type === 'backup.verify-failed' && event.source) this.#publish?.({ kind: 'backup', source: event.source, what: `verify failed${on}`, ...failure(event.error) });
    else if (event.type === 'backup.drilled') this.#publish?.({ kind: 'backup', source: event.source, what: event.ok ? 'drilled' : 'drill failed', ...failure(event.error) });
  }

  #good(manifest: Manifest, target: string): void {
    const key = `${manifest.source.name}\0${target}`;
    const takenAt = Date.parse(manifest.startedAt);
    const seen = this.#newest.get(key);
    if (seen && seen.takenAt >= takenAt) return;
    this.#newest.set(key, { source: manifest.source.name, target, takenAt, bytes: manifest.object.bytes, durationMs: manifest.durationMs });
  }

  snapshot(): BackupMetrics {
    const now = this.#now();
    const overdue = [...this.#maxAge].map(([source, maxAge]) => {
      const times = [...this.#newest.values()].filter((n) => n.source === source).map((n) => n.takenAt);
      const since = times.length > 0 ? Math.max(...times) : this.#startedAt;
      return { source, seconds: (now - since - maxAge) / 1000 };
    });
    return {
      newest: [...this.#newest.values()],
      runs: [...this.#runs].map(([k, count]) => {
        const [source = '', outcome] = k.split('\0');
        return { source, outcome: outcome === 'succeeded' ? 'succeeded' : 'failed', count };
      }),
      verifyFailures: [...this.#verifyFailures].map(([k, count]) => {
        const [source = '', target = ''] = k.split('\0');
        return { source, target, count };
      }),
      overdue,
      drills: [...this.#drills].map(([source, d]) => ({ source, ...d })),
    };
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** The longest gap between the next few runs of a cron schedule (weekday-only schedules vary). */
export function cronInterval(expression: string, from: number): number {
  let at = nextCronTime(expression, from);
  let longest = 0;
  for (let i = 0; i < 8; i++) {
    const next = nextCronTime(expression, at);
    longest = Math.max(longest, next - at);
    at = next;
  }
  return longest;
}
