import type { DeployResult, ProgressEvent } from '../../api/schemas.js';
import { formatDuration } from '../../lib/duration.js';
import { renderEvent } from './events.js';

/** One line per finished step, as it happens. */
export function renderProgress(event: ProgressEvent): string | undefined {
  switch (event.type) {
    case 'step':
      if (event.phase === 'begin') return undefined;
      return `${event.service.padEnd(10)} ${event.phase === 'fail' ? '✗' : '✓'} ${event.step.padEnd(12)} ${formatDuration(event.ms ?? 0).padStart(7)}${event.detail ? `  ${event.detail}` : ''}`;
    case 'note':
      return `${(event.service ?? '').padEnd(10)} · ${event.message}`;
    case 'event':
      return renderEvent(event.event);
    case 'result':
    case 'error':
      return undefined;
  }
}

function latency(l: { p50: number; p99: number } | undefined): string {
  return l ? `p50 ${l.p50}ms p99 ${l.p99}ms` : 'no traffic';
}

/** The report at the end of a deploy or rollback. */
export function renderResult(r: DeployResult): string {
  const arrow = `${r.fromRelease ?? '(nothing)'} → ${r.release ?? '?'}`;
  const head = `${r.service}: ${r.kind} ${r.outcome} (${arrow}) in ${formatDuration(r.durationMs)}${
    r.switchMs !== undefined ? `, traffic switched after ${formatDuration(r.switchMs)}` : ''
  }`;
  const lines = [head];
  if (r.reason) lines.push(`  reason: ${r.reason}`);
  for (const rel of r.report.releases) {
    lines.push(
      `  ${rel.release.padEnd(8)} requests ${rel.requests}, 5xx ${rel.errors5xx}, connection errors ${rel.connErrors}, timeouts ${rel.timeouts}`,
    );
  }
  for (const step of r.report.canary ?? []) {
    const releases = step.releases.map((x) => `${x.release} ${x.requests} req / ${x.failures} failed${x.p99 !== undefined ? ` p99 ${x.p99}ms` : ''}`).join(', ');
    const peak = step.evidence.reduce((m, e) => Math.max(m, e.errors, e.p95, e.p99), 0);
    lines.push(`  canary ${Math.round(step.weight * 1000) / 10}% for ${formatDuration(step.ms)} → ${step.outcome}: ${releases}; evidence peak ${Math.round(peak * 100)}% of the rollback threshold`);
  }
  if (r.report.latencyBefore || r.report.latencyAfter) {
    lines.push(`  latency before: ${latency(r.report.latencyBefore)}; after: ${latency(r.report.latencyAfter)}`);
  }
  return lines.join('\n');
}
