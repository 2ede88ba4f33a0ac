import type { DeploymentView, Status } from '../../api/schemas.js';
import { renderNotifier } from './notifier.js';

export function renderStatus(s: Status): string {
  const lines = [
    `daemon pid ${s.daemon.pid} since ${s.daemon.startedAt} (slipway ${s.daemon.version})`,
    s.proxy.up ? `proxy  pid ${s.proxy.pid} on :${s.proxy.httpPort} (table v${s.proxy.tableVersion})` : 'proxy  DOWN',
  ];
  if (s.project) {
    const others = (s.projects ?? []).filter((n) => n !== s.project);
    lines.push(`project ${s.project}${others.length > 0 ? ` (this host also serves: ${others.join(', ')})` : ''}`);
  }
  if (s.lock) lines.push(`lock   held by ${s.lock.owner}${s.lock.stale ? ' (stale)' : ''} since ${s.lock.acquiredAt}`);
  if (s.alerts) lines.push(`alerts ${s.alerts.firing} firing`, ...s.alerts.notifiers.map((n) => `  ${renderNotifier(n)}`));
  if (s.services.length === 0) lines.push('', 'no service deployed yet: run `slipway deploy`');
  for (const svc of s.services) {
    lines.push('', `${svc.name}: active ${svc.activeRelease ?? '(none)'}${svc.previousRelease ? `, warm ${svc.previousRelease}${svc.warmUntil ? ` until ${svc.warmUntil}` : ''}` : ''}${svc.maintenance ? ' — in maintenance (503)' : ''}`);
    for (const r of svc.routes) lines.push(`  route ${r.host}${r.path}`);
    for (const i of svc.instances) {
      const health = i.healthy === false ? ' (proxy: failing health checks)' : '';
      lines.push(
        `  ${i.id.padEnd(24)} ${i.role.padEnd(6)} ${i.state.padEnd(9)} :${i.port} pid ${i.pid ?? '-'}${health}${i.inRotation ? ' in rotation' : ''} restarts ${i.restarts}${i.lastExit ? ` (last exit: ${i.lastExit})` : ''}`,
      );
    }
  }
  return lines.join('\n');
}

const by = (d: DeploymentView): string => (d.actor ? `  by ${d.actor.user}@${d.actor.host}${d.actor.ci ? ` (${d.actor.ci})` : ''}` : '');

export function renderHistory(list: readonly DeploymentView[]): string {
  if (list.length === 0) return 'no deployments yet';
  return list
    .map((d) =>
      d.services
        ? `${d.startedAt}  ${renderStack(d)}${by(d)}`
        : `${d.startedAt}  ${d.id}  ${d.service.padEnd(10)} ${d.kind.padEnd(8)} ${(d.fromRelease ?? '-').padEnd(5)} → ${(d.release ?? '-').padEnd(5)} ${d.state}${d.reason ? `: ${d.reason}` : ''}${by(d)}`,
    )
    .join('\n');
}

/** A stack deployment: one line for the whole, then one per service (level, status, releases, time, why). */
export function renderStack(d: DeploymentView): string {
  const head = `${d.id}  stack ${d.kind} of ${(d.services ?? []).length} services: ${d.state}${d.reason ? `: ${d.reason}` : ''}`;
  const lines = (d.services ?? []).map((s) => {
    const time = s.durationMs === undefined ? '' : ` in ${(s.durationMs / 1000).toFixed(1)}s`;
    const back = s.rollback ? `; rolled back to ${s.rollback.release ?? '?'} (${s.rollback.outcome})` : '';
    const why = s.reason && s.status !== 'succeeded' ? `: ${s.reason}` : '';
    return `    ${s.service.padEnd(10)} level ${s.level} ${s.status.padEnd(11)} ${(s.fromRelease ?? '-').padEnd(5)} → ${(s.release ?? '-').padEnd(5)}${time}${back}${why}`;
  });
  return [head, ...lines].join('\n');
}
