import { html } from '../html.js';
import type { Page, PageContext } from './context.js';

export async function certsPage(ctx: PageContext): Promise<Page> {
  const { certs } = await ctx.api.call('certs.list', {});
  const rows = certs.map((c) => html`<tr><th scope="row">${c.hosts.join(', ')}</th><td>${c.source}</td><td>${c.issuer ?? '—'}</td><td>${c.notAfter ?? '—'}${c.daysLeft === undefined ? '' : ` (${Math.floor(c.daysLeft)} days)`}</td><td>${c.nextRenewal ?? '—'}</td><td class="${c.lastError ? 'bad' : ''}">${c.lastError ?? '—'}</td></tr>`);
  return {
    title: 'Certificates',
    main: html`<h1>Certificates</h1>
${certs.length === 0 ? html`<p>No route has TLS on.</p>` : html`<table><caption>Managed certificates</caption><thead><tr><th scope="col">Hosts</th><th scope="col">Source</th><th scope="col">Issuer</th><th scope="col">Expires</th><th scope="col">Next renewal</th><th scope="col">Last error</th></tr></thead><tbody>${rows}</tbody></table>`}`,
  };
}
