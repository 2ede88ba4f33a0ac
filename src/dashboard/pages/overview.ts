import type { ResponseOf, ServiceView } from '../../api/schemas.js';
import { SlipwayError } from '../../errors.js';
import { fixed, lastMinute } from '../format.js';
import { html, query, type Html } from '../html.js';
import { sparkline } from '../sparkline.js';
import type { ReleaseTraffic } from '../traffic-history.js';
import type { DashboardApi, Page, PageContext } from './context.js';

type Traffic = ResponseOf<'traffic'>;

/** Alerts, or undefined when the daemon evaluates none. */
export async function alertsOrOff(api: DashboardApi): Promise<ResponseOf<'alerts.list'> | undefined> {
  try {
    return await api.call('alerts.list', {});
  } catch (err) {
    if (err instanceof SlipwayError && err.code === 'SLW_ALERTS_OFF') return undefined;
    throw err;
  }
}

export const scopeOf = (project: string): { project?: string } => (project === '' ? {} : { project });

export function health(s: ServiceView): { text: string; ok: boolean } {
  const serving = s.instances.filter((i) => i.inRotation);
  const healthy = serving.filter((i) => i.state === 'healthy' && i.healthy !== false);
  if (s.maintenance) return { text: 'maintenance', ok: false };
  if (serving.length === 0) return { text: s.instances.length === 0 ? 'not running' : 'not serving', ok: s.instances.length === 0 };
  return { text: `${healthy.length}/${serving.length} healthy`, ok: healthy.length === serving.length };
}

/** One row per release with traffic: its rate, errors and p99 over the last minute, and its hour as sparklines. */
export function releaseTraffic(series: readonly ReleaseTraffic[], intervalMs: number, caption: string): Html {
  if (series.length === 0) return html`<p>No traffic counted yet (samples every ${intervalMs / 1000}s).</p>`;
  const rows = series.map((t) => {
    const m = lastMinute(t, intervalMs);
    const seconds = intervalMs / 1000;
    return html`<tr><th scope="row">${t.release}</th><td>${fixed(m.rps)}</td><td>${fixed(m.errorPct)} %</td><td>${m.p99 === undefined ? '—' : `${fixed(m.p99)} ms`}</td>
<td>${sparkline(t.points.map((p) => p.requests / seconds), `requests per second of ${t.release} over the last hour`)}</td>
<td>${sparkline(t.points.map((p) => (p.requests === 0 ? 0 : (100 * p.errors) / p.requests)), `error rate of ${t.release} over the last hour`)}</td>
<td>${sparkline(t.points.map((p) => p.p99 ?? 0), `p99 latency of ${t.release} over the last hour`)}</td></tr>`;
  });
  return html`<table class="traffic"><caption>${caption}</caption><thead><tr><th scope="col">Release</th><th scope="col">Requests/s (1 min)</th><th scope="col">Errors</th><th scope="col">p99</th><th scope="col">Requests, 1 h</th><th scope="col">Errors, 1 h</th><th scope="col">p99, 1 h</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function serviceRow(project: string, s: ServiceView, traffic: Traffic): Html {
  const h = health(s);
  const series = traffic.releases.filter((t) => t.project === project && t.service === s.name);
  const active = series.find((t) => t.release === s.activeRelease);
  const m = lastMinute(active, traffic.intervalMs);
  const href = `/service${query({ project, service: s.name })}`;
  return html`<tr><th scope="row"><a href="${href}">${s.name}</a></th><td class="${h.ok ? 'ok' : 'bad'}">${h.text}</td><td>${s.instances.filter((i) => i.state !== 'stopped').length}</td><td>${s.activeRelease ?? '—'}</td>
<td>${fixed(m.rps)}</td><td>${fixed(m.errorPct)} %</td><td>${m.p99 === undefined ? '—' : `${fixed(m.p99)} ms`}</td><td>${sparkline((active?.points ?? []).map((p) => p.requests), `requests of ${s.name} over the last hour`)}</td></tr>`;
}

export async function overviewPage(ctx: PageContext): Promise<Page> {
  const [{ projects }, traffic, alerts] = await Promise.all([ctx.api.call('projects.list', {}), ctx.api.call('traffic', {}), alertsOrOff(ctx.api)]);
  const statuses = await Promise.all(projects.map(async (p) => ({ p, status: await ctx.api.call('status', scopeOf(p.name)) })));
  const sections = statuses.map(({ p, status }) => html`<section aria-labelledby="p-${p.name}">
<h2 id="p-${p.name}">${p.name === '' ? '(default project)' : p.name}</h2>
<table><caption>Services of ${p.name}</caption><thead><tr><th scope="col">Service</th><th scope="col">Health</th><th scope="col">Instances</th><th scope="col">Serving</th><th scope="col">Requests/s</th><th scope="col">Errors</th><th scope="col">p99</th><th scope="col">Last hour</th></tr></thead>
<tbody>${status.services.map((s) => serviceRow(p.name, s, traffic))}</tbody></table>
</section>`);
  const open = alerts?.alerts ?? [];
  return {
    title: 'Overview',
    live: 'fast',
    main: html`<h1>Overview</h1>
${projects.length === 0 ? html`<p>Nothing is deployed on this host yet.</p>` : sections}
<section aria-labelledby="open-alerts"><h2 id="open-alerts">Open alerts</h2>
${alerts === undefined ? html`<p>The daemon evaluates no alerts (no <code>alerts:</code> in its config).</p>` : open.length === 0 ? html`<p class="ok">No alert is pending or firing.</p>` : html`<ul>${open.map((a) => html`<li class="bad">${a.state}: ${a.rule} on ${a.service} since ${a.since}${a.silenced ? ' (silenced)' : ''}</li>`)}</ul>`}
</section>`,
  };
}
