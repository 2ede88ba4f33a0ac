import type { CanaryView, DeploymentView, InstanceView, ResponseOf, ServiceView } from '../../api/schemas.js';
import { SlipwayError } from '../../errors.js';
import { bytes, fixed } from '../format.js';
import { html, type Html } from '../html.js';
import type { Page, PageContext } from './context.js';
import { actionButton } from './layout.js';
import { health, releaseTraffic, scopeOf } from './overview.js';

/** The canary's share of requests in percent (the API gives a fraction). */
const pctOf = (weight: number): number => Math.round(weight * 1000) / 10;

function canarySection(c: CanaryView, project: string, now: number): Html {
  const act = (label: string, action: string) => actionButton(label, { action, project, service: c.service }, `act-${action}`);
  return html`<section aria-labelledby="canary"><h2 id="canary">Canary in progress</h2>
<dl class="facts"><dt>Canary release</dt><dd>${c.canary}</dd><dt>Stable release</dt><dd>${c.stable}</dd>
<dt>Step</dt><dd>${c.step} of ${c.steps}</dd><dt>Canary weight</dt><dd><meter min="0" max="100" value="${pctOf(c.weight)}" aria-label="canary weight">${pctOf(c.weight)} %</meter> <span class="weight">${pctOf(c.weight)} %</span></dd>
<dt>Time in step</dt><dd class="step-time">${c.stepMs === undefined ? '—' : `${Math.floor(c.stepMs / 1000)} s`}</dd>
<dt>State</dt><dd>${c.paused ? 'paused' : 'running'}${c.note ? ` (${c.note})` : ''}</dd></dl>
${evidenceTable(c.evidence)}
<p>${act('Promote', 'canary-promote')} ${act('Abort', 'canary-abort')} ${c.paused ? act('Resume', 'canary-resume') : act('Pause', 'canary-pause')}</p>
<p class="hint">As of ${new Date(now).toISOString()}; each step's full report comes with the deploy's.</p>
</section>`;
}

/** The judge's latest evidence per test, as a share of the threshold at which it rolls the canary back. */
function evidenceTable(e: CanaryView['evidence']): Html {
  if (!e) return html`<p class="evidence-none">The judge has no verdict for this step yet.</p>`;
  const rows = (['errors', 'p95', 'p99'] as const).map((t) => {
    const share = Math.min(100, Math.round(e[t] * 1000) / 10);
    return html`<tr data-test="${t}"><th scope="row">${t === 'errors' ? 'Errors' : `${t} latency`}</th><td><meter min="0" max="100" value="${share}" aria-label="${t} evidence">${share} %</meter> <span class="evidence">${share} %</span></td></tr>`;
  });
  return html`<table class="evidence"><caption>Evidence against the canary, per test (100 % rolls it back)</caption><thead><tr><th scope="col">Test</th><th scope="col">Share of the rollback threshold</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function split(s: ServiceView, canary: CanaryView | undefined): Html {
  const live = s.instances.filter((i) => i.inRotation);
  const releases = [...new Set(live.map((i) => i.release))];
  if (releases.length === 0) return html`<p>No instance is in rotation.</p>`;
  const share = (r: string): number => (canary ? (r === canary.canary ? pctOf(canary.weight) : r === canary.stable ? 100 - pctOf(canary.weight) : 0) : r === s.activeRelease ? 100 : 0);
  return html`<ul class="split" aria-label="traffic split">${releases.map((r) => html`<li><span class="release">${r}</span>: <span class="share">${share(r)} %</span> of requests, ${live.filter((i) => i.release === r).length} instance(s)</li>`)}</ul>`;
}

function timeline(deployments: readonly DeploymentView[]): Html {
  if (deployments.length === 0) return html`<p>No deployment yet.</p>`;
  return html`<ol class="timeline">${deployments.map((d) => html`<li class="${d.state === 'succeeded' ? 'ok' : d.endedAt ? 'bad' : 'running'}"><span class="kind">${d.kind}</span> ${d.release ?? '?'}${d.fromRelease ? html` (from ${d.fromRelease})` : ''}: <span class="state">${d.state}</span>, ${d.startedAt}${d.endedAt ? '' : ' (running)'}${d.reason ? html` — ${d.reason}` : ''}${d.actor ? html` <span class="actor">by ${d.actor.user}@${d.actor.host}</span>` : ''}</li>`)}</ol>`;
}

type Usage = ResponseOf<'usage'>['instances'][number];

function instances(list: readonly InstanceView[], usage: readonly Usage[]): Html {
  const rows = list.map((i) => {
    const u = usage.find((x) => x.instance === i.id);
    return html`<tr><th scope="row">${i.id}</th><td>${i.release}</td><td>${i.role}</td><td>${i.state}</td><td>${i.inRotation ? 'yes' : 'no'}</td><td>${i.restarts}</td><td>${i.lastExit ?? '—'}</td><td>${u ? `${fixed(u.cpuSeconds, 2)} s` : '—'}</td><td>${u ? bytes(u.memoryBytes) : '—'}</td><td>${i.ref ?? '—'}</td></tr>`;
  });
  return html`<table><caption>Instances of the service</caption><thead><tr><th scope="col">Instance</th><th scope="col">Release</th><th scope="col">Role</th><th scope="col">State</th><th scope="col">In rotation</th><th scope="col">Restarts</th><th scope="col">Last exit</th><th scope="col">CPU time</th><th scope="col">Memory</th><th scope="col">Process</th></tr></thead><tbody>${rows}</tbody></table>`;
}

async function logsOf(ctx: PageContext, project: string, service: string): Promise<ResponseOf<'logs'>['instances']> {
  try {
    return (await ctx.api.call('logs', { ...scopeOf(project), service, lines: 30 })).instances;
  } catch (err) {
    if (err instanceof SlipwayError) return [];
    throw err;
  }
}

export async function servicePage(ctx: PageContext): Promise<Page> {
  const project = ctx.url.searchParams.get('project') ?? '';
  const name = ctx.url.searchParams.get('service') ?? '';
  const scope = scopeOf(project);
  const [status, canaries, history, traffic, logs, usage] = await Promise.all([
    ctx.api.call('status', scope),
    ctx.api.call('canary', { ...scope, service: name, action: 'status' }),
    ctx.api.call('history', { ...scope, service: name, limit: 20 }),
    ctx.api.call('traffic', { ...scope, service: name }),
    logsOf(ctx, project, name),
    ctx.api.call('usage', scope),
  ]);
  const s = status.services.find((x) => x.name === name);
  if (!s) return { title: 'Not found', main: html`<h1>No service ${name} in ${project}</h1><p><a href="/">Back to the overview</a></p>` };
  const canary = canaries.canaries[0];
  const h = health(s);
  const act = (label: string, action: string) => actionButton(label, { action, project, service: name }, `act-${action}`);
  return {
    title: `${name} · ${project}`,
    live: 'fast',
    main: html`<h1>${name} <span class="sub">in ${project}</span></h1>
<dl class="facts"><dt>Health</dt><dd class="${h.ok ? 'ok' : 'bad'}">${h.text}</dd><dt>Serving</dt><dd id="serving">${s.activeRelease ?? '—'}</dd><dt>Previous (warm)</dt><dd>${s.previousRelease ?? '—'}</dd><dt>Routes</dt><dd>${s.routes.map((r) => `${r.host}${r.path}`).join(', ') || '—'}</dd></dl>
<p>${s.previousRelease ? act(`Roll back to ${s.previousRelease}`, 'rollback') : ''} ${s.maintenance ? act('Maintenance off', 'maintenance-off') : act('Maintenance on', 'maintenance-on')}</p>
<section aria-labelledby="traffic"><h2 id="traffic">Traffic</h2>${split(s, canary)}${releaseTraffic(traffic.releases, traffic.intervalMs, `Traffic of ${name} per release`)}</section>
${canary ? canarySection(canary, project, ctx.now) : ''}
<section aria-labelledby="timeline-h"><h2 id="timeline-h">Release timeline</h2>${timeline(history.deployments)}</section>
<section aria-labelledby="instances-h"><h2 id="instances-h">Instances</h2>${instances(s.instances, usage.instances.filter((u) => u.service === name))}<p class="hint">CPU time since each instance started and its resident memory, where its driver reports them.</p></section>
<section aria-labelledby="logs-h"><h2 id="logs-h">Logs (last lines)</h2>${logs.map((l) => html`<h3>${l.id} (${l.release}, ${l.state})</h3><pre class="logs">${l.lines.join('\n')}</pre>`)}</section>`,
  };
}
