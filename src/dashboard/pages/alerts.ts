import { html } from '../html.js';
import type { Page, PageContext } from './context.js';
import { actionButton } from './layout.js';
import { alertsOrOff } from './overview.js';

export async function alertsPage(ctx: PageContext): Promise<Page> {
  const list = await alertsOrOff(ctx.api);
  if (!list) return { title: 'Alerts', main: html`<h1>Alerts</h1><p>The daemon evaluates no alerts (no <code>alerts:</code> in its config).</p>` };
  const alerts = list.alerts.map(
    (a, n) => html`<tr><th scope="row">${a.rule}</th><td>${a.service}</td><td class="bad">${a.state}</td><td>${a.since}</td><td>${a.value}</td><td>${a.silenced ? 'silenced' : actionButton('Silence for 1 hour', { action: 'silence', rule: a.rule, service: a.service }, `act-silence-${n}`)}</td></tr>`,
  );
  return {
    title: 'Alerts',
    main: html`<h1>Alerts</h1>
<section aria-labelledby="open-h"><h2 id="open-h">Pending and firing</h2>${alerts.length === 0 ? html`<p class="ok">No alert is pending or firing.</p>` : html`<table><caption>Open alerts</caption><thead><tr><th scope="col">Rule</th><th scope="col">Service</th><th scope="col">State</th><th scope="col">Since</th><th scope="col">Value</th><th scope="col">Action</th></tr></thead><tbody>${alerts}</tbody></table>`}</section>
<section aria-labelledby="silences-h"><h2 id="silences-h">Silences</h2>${list.silences.length === 0 ? html`<p>None.</p>` : html`<ul>${list.silences.map((s) => html`<li>${s.rule}${s.service ? ` (${s.service})` : ''} until ${s.expiresAt}</li>`)}</ul>`}</section>
<section aria-labelledby="rules-h"><h2 id="rules-h">Rules</h2><ul>${list.rules.map((r) => html`<li>${r.name} (${r.severity})</li>`)}</ul></section>
<section aria-labelledby="notifiers-h"><h2 id="notifiers-h">Notifiers</h2><ul>${list.notifiers.map((n) => html`<li class="${n.state === 'failing' ? 'bad' : ''}">${n.name} (${n.type}): ${n.state}, ${n.sent} sent, ${n.failed} failed</li>`)}</ul></section>`,
  };
}
