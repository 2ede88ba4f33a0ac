/** Samples of backups: freshness, size and duration per source and target, run and drill outcomes. */
import { METRICS } from './metric-catalog.js';
import type { FamilyBuilder } from './metric-family.js';

/** What the daemon knows about backups at scrape time (see src/daemon/backup-monitor.ts). */
export interface BackupMetrics {
  /** The newest verified backup per source and target. */
  readonly newest: readonly { readonly source: string; readonly target: string; readonly takenAt: number; readonly bytes: number; readonly durationMs: number }[];
  readonly runs: readonly { readonly source: string; readonly outcome: 'succeeded' | 'failed'; readonly count: number }[];
  readonly verifyFailures: readonly { readonly source: string; readonly target: string; readonly count: number }[];
  /** Seconds past the maximum age, per source whose age is judged. */
  readonly overdue: readonly { readonly source: string; readonly seconds: number }[];
  readonly drills: readonly { readonly source: string; readonly lastOk: boolean | undefined; readonly passed: number; readonly failed: number }[];
}

export function addBackupSamples(out: FamilyBuilder, m: BackupMetrics): void {
  const newestPerSource = new Map<string, BackupMetrics['newest'][number]>();
  for (const n of m.newest) {
    out.add(METRICS.backupLastSuccess, { source: n.source, target: n.target }, n.takenAt / 1000);
    out.add(METRICS.backupSize, { source: n.source, target: n.target }, n.bytes);
    const seen = newestPerSource.get(n.source);
    if (!seen || n.takenAt > seen.takenAt) newestPerSource.set(n.source, n);
  }
  for (const [source, n] of newestPerSource) out.add(METRICS.backupDuration, { source }, n.durationMs / 1000);
  for (const r of m.runs) out.add(METRICS.backupRuns, { source: r.source, outcome: r.outcome }, r.count);
  for (const v of m.verifyFailures) out.add(METRICS.backupVerifyFailures, { source: v.source, target: v.target }, v.count);
  for (const o of m.overdue) out.add(METRICS.backupOverdue, { source: o.source }, o.seconds);
  for (const d of m.drills) {
    if (d.lastOk !== undefined) out.add(METRICS.backupDrillOk, { source: d.source }, d.lastOk ? 1 : 0);
    out.add(METRICS.backupDrills, { source: d.source, outcome: 'passed' }, d.passed);
    out.add(METRICS.backupDrills, { source: d.source, outcome: 'failed' }, d.failed);
  }
}
