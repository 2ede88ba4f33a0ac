import type { EnvironmentDiff, PlanRoute, ServicePlan, SideDiff, SourceState } from '../../config/plan.js';
import { renderShown } from '../../secrets/shown-value.js';

const short = (commit: string): string => commit.slice(0, 12);
const route = (r: PlanRoute): string => `${r.host}${r.path}`;
const setting = (v: string | number | undefined): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

function renderSource(s: SourceState): string {
  if (s.kind === 'folder') return 'folder snapshot';
  return `git ${short(s.commit)}${s.dirty ? ' (work tree dirty: uncommitted changes are not deployed)' : ''}`;
}

/** The lines of a diff, indented under a service; empty when nothing differs. */
export function renderChanges(d: SideDiff): string[] {
  const lines: string[] = [];
  const { added, changed, removed } = d.env;
  if (added.length + changed.length + removed.length > 0) {
    lines.push('  env:');
    for (const e of added) lines.push(`    + ${e.key} = ${e.to ? renderShown(e.to) : ''}`);
    for (const e of changed) lines.push(`    ~ ${e.key}: ${e.from ? renderShown(e.from) : ''} → ${e.to ? renderShown(e.to) : ''}`);
    for (const e of removed) lines.push(`    - ${e.key} (was ${e.from ? renderShown(e.from) : ''})`);
  }
  if (d.routes.added.length + d.routes.removed.length > 0) {
    lines.push('  routes:');
    for (const r of d.routes.added) lines.push(`    + ${route(r)}`);
    for (const r of d.routes.removed) lines.push(`    - ${route(r)}`);
  }
  for (const s of d.settings) lines.push(`  ${s.field}: ${setting(s.from)} → ${setting(s.to)}`);
  return lines;
}

function instancesLine(d: SideDiff): string {
  const { from, to } = d.instances;
  if (from === undefined) return `  instances: ${to ?? 0}`;
  if (to === undefined) return `  instances: ${from} → none`;
  return from === to ? `  instances: ${to} (unchanged)` : `  instances: ${from} → ${to}`;
}

export function renderPlan(plans: readonly ServicePlan[], note: string | undefined): string {
  const lines: string[] = note ? [note] : [];
  for (const p of plans) {
    const active = p.release.active;
    lines.push(`${p.service}: ${p.status}${active ? '' : ' (no active release)'}`);
    const from = active ? ` (active ${active.id}${active.commit ? ` at git ${short(active.commit)}${active.dirty ? ', dirty' : ''}` : ''})` : '';
    const same =
      p.release.source === 'same'
        ? p.release.next.kind === 'git' ? ', same commit' : ', same content'
        : p.release.source === 'changed' && p.release.next.kind === 'folder' ? ', content changed'
          : p.release.source === 'unknown' && active ? ', content not compared (the active release was built before content hashes were kept)' : '';
    lines.push(`  release: ${renderSource(p.release.next)}${same}${from}`);
    lines.push(...renderChanges(p.changes).filter((l) => !/^ {2}instances:/.test(l)));
    lines.push(instancesLine(p.changes));
  }
  return lines.join('\n');
}

export function renderEnvironmentDiff(a: string, b: string, diffs: readonly EnvironmentDiff[]): string {
  const lines = [`${a} → ${b}`];
  for (const d of diffs) {
    const status = d.status === 'added' ? `only in ${b}` : d.status === 'removed' ? `only in ${a}` : d.status;
    lines.push(`${d.service}: ${status}`);
    if (d.status === 'same') continue;
    lines.push(...renderChanges(d.changes));
    if (d.changes.instances.from !== d.changes.instances.to && d.status !== 'changed') lines.push(instancesLine(d.changes));
  }
  return lines.join('\n');
}
