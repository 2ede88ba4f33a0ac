import type { Status } from '../../api/schemas.js';

type NotifierHealth = NonNullable<Status['alerts']>['notifiers'][number];

/** One line per notifier: its state, counts, and for a failing one the last error and the next attempt. */
export function renderNotifier(n: NotifierHealth): string {
  const counts = `${n.sent} sent, ${n.failed} failed, ${n.retries} retried`;
  const failures = n.consecutiveFailures > 0 ? `; ${n.consecutiveFailures} failed attempt${n.consecutiveFailures === 1 ? '' : 's'} in a row` : '';
  const error = n.lastError ? `; last error${n.lastErrorAt ? ` at ${n.lastErrorAt}` : ''}: ${n.lastError}` : '';
  const retry = n.nextRetryAt ? `; next retry at ${n.nextRetryAt}` : '';
  return `notifier ${n.name} (${n.type}): ${n.state}, ${counts}${failures}${error}${retry}`;
}
