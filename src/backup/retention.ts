/** backups.retention: how many verified backups of each source to keep, per kind of period. */
export interface RetentionPolicy {
  /** The newest N. */
  readonly last: number;
  /** The newest backup of each of the N most recent days (UTC) that have one. */
  readonly daily: number;
  /** … of each of the N most recent ISO weeks that have one. */
  readonly weekly: number;
  /** … of each of the N most recent calendar months (UTC) that have one. */
  readonly monthly: number;
}

export interface RetentionCandidate {
  readonly id: string;
  readonly source: string;
  /** When the backup was made (ms since the epoch), from its manifest — never from its name. */
  readonly createdAt: number;
  /** Only verified backups count towards the policy, and only they are ever removed. */
  readonly verified: boolean;
}

export type KeepReason = 'newest' | 'last' | 'daily' | 'weekly' | 'monthly' | 'not-verified';

export interface RetentionPlan {
  readonly keep: ReadonlyMap<string, readonly KeepReason[]>;
  /** Ids to delete, newest first. */
  readonly remove: readonly string[];
}

type Period = 'daily' | 'weekly' | 'monthly';

const DAY_MS = 86_400_000;

/** The bucket a time falls in, for each kind of period (UTC). */
export function periodKey(period: Period, at: number): string {
  const d = new Date(at);
  switch (period) {
    case 'daily':
      return d.toISOString().slice(0, 10);
    case 'monthly':
      return d.toISOString().slice(0, 7);
    case 'weekly': {
      // ISO 8601 week: the week (Monday first) holding the Thursday of this date's week.
      const day = (d.getUTCDay() + 6) % 7;
      const thursday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - day * DAY_MS + 3 * DAY_MS;
      const year = new Date(thursday).getUTCFullYear();
      const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
      return `${year}-W${String(week).padStart(2, '0')}`;
    }
  }
}

function newestFirst(a: RetentionCandidate, b: RetentionCandidate): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Decides which backups retention keeps: per source, among verified backups sorted by time,
 * the newest `last`, plus the newest of each of the most recent `daily`/`weekly`/`monthly`
 * periods; the newest verified backup of every source always. Unverified, failed or
 * changed backups are never removed and never count (a key change must not erase history).
 */
export function planRetention(candidates: readonly RetentionCandidate[], policy: RetentionPolicy): RetentionPlan {
  const keep = new Map<string, KeepReason[]>();
  const mark = (id: string, reason: KeepReason): void => {
    const reasons = keep.get(id) ?? [];
    if (!reasons.includes(reason)) reasons.push(reason);
    keep.set(id, reasons);
  };
  const bySource = new Map<string, RetentionCandidate[]>();
  for (const c of candidates) {
    if (!c.verified) mark(c.id, 'not-verified');
    else bySource.set(c.source, [...(bySource.get(c.source) ?? []), c]);
  }
  for (const backups of bySource.values()) {
    const sorted = [...backups].sort(newestFirst);
    if (sorted[0]) mark(sorted[0].id, 'newest');
    sorted.slice(0, Math.max(0, policy.last)).forEach((c) => mark(c.id, 'last'));
    for (const period of ['daily', 'weekly', 'monthly'] as const) {
      const seen = new Set<string>();
      for (const c of sorted) {
        if (seen.size >= policy[period]) break;
        const bucket = periodKey(period, c.createdAt);
        if (seen.has(bucket)) continue;
        seen.add(bucket);
        mark(c.id, period);
      }
    }
  }
  const remove = candidates
    .filter((c) => !keep.has(c.id))
    .sort(newestFirst)
    .map((c) => c.id);
  return { keep, remove };
}
