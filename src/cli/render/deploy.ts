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

type TestReport = NonNullable<NonNullable<DeployResult['report']['canary']>[number]['tests']>['errors'];

/** One judge test over one canary step: its state, its evidence figure and the counts behind it. */
function testLine(name: 'errors' | 'p95' | 'p99', t: TestReport): string {
  if (t.state === 'off') return `${name} off`;
  if (t.state === 'not judged') return `${name} not judged${t.idle ? `: ${t.idle}` : ''}`;
  const figure = `${name} ${t.state} at ${Math.floor(t.evidence * 100)}% of the threshold (peak ${Math.floor(t.peak * 100)}%)`;
  if (name === 'errors') return `${figure}: canary ${t.canary}/${t.canaryRequests} failed, stable ${t.stable}/${t.stableRequests}`;
  const over = (ms: number | undefined) => (ms === undefined ? '' : ` over ${ms} ms`);
  const idle = t.idle ? `; last second not judged: ${t.idle}` : '';
  return `${figure}: canary ${t.canary}/${t.canaryRequests}${over(t.canaryThresholdMs)}, stable ${t.stable}/${t.stableRequests}${over(t.thresholdMs)}${idle}`;
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
    const head = `  canary ${Math.round(step.weight * 1000) / 10}% for ${formatDuration(step.ms)} → ${step.outcome}: ${releases}`;
    if (!step.tests) {
      const peak = step.evidence.reduce((m, e) => Math.max(m, e.errors, e.p95, e.p99), 0);
      lines.push(`${head}; evidence peak ${Math.floor(peak * 100)}% of the rollback threshold`);
      continue;
    }
    lines.push(head);
    if (step.why) lines.push(`    why: ${step.why}`);
    for (const name of ['errors', 'p95', 'p99'] as const) lines.push(`    ${testLine(name, step.tests[name])}`);
  }
  if (r.report.latencyBefore || r.report.latencyAfter) {
    lines.push(`  latency before: ${latency(r.report.latencyBefore)}; after: ${latency(r.report.latencyAfter)}`);
  }
  return lines.join('\n');
}
