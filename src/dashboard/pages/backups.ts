import type { ResponseOf } from '../../api/schemas.js';
import { SlipwayError } from '../../errors.js';
import { ago, bytes } from '../format.js';
import { html, type Html } from '../html.js';
import type { Page, PageContext } from './context.js';
import { actionButton } from './layout.js';

type Backup = ResponseOf<'backup.list'>['backups'][number];

function perSource(list: readonly Backup[], now: number): Html {
  const sources = [...new Set(list.map((b) => b.source))];
  const rows = sources.map((source) => {
    const mine = list.filter((b) => b.source === source).sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? ''));
    const verified = mine.find((b) => b.state === 'verified');
    const failed = mine[0]?.state === 'failed' || mine[0]?.state === 'broken';
    return html`<tr><th scope="row">${source}</th><td>${verified?.id ?? 'none'}</td><td>${bytes(verified?.bytes)}</td><td>${ago(verified?.startedAt, now)}</td><td class="${failed ? 'bad' : 'ok'}">${mine[0]?.state ?? '—'}</td><td>${mine.length}</td></tr>`;
  });
  return html`<table><caption>Backups per source</caption><thead><tr><th scope="col">Source</th><th scope="col">Newest verified</th><th scope="col">Size</th><th scope="col">Age</th><th scope="col">Last run</th><th scope="col">Kept</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export async function backupsPage(ctx: PageContext): Promise<Page> {
  const { projects } = await ctx.api.call('projects.list', {});
  const sections = await Promise.all(
    projects.map(async (p) => {
      if (!p.configFile) return html``;
      let body: Html;
      try {
        const { backups } = await ctx.api.call('backup.list', { configFile: p.configFile, ...(p.env === undefined ? {} : { env: p.env }) });
        body = html`${perSource(backups, ctx.now)}<p>${actionButton('Run a backup now', { action: 'backup-run', project: p.name }, `act-backup-${p.name}`)}</p>`;
      } catch (err) {
        if (!(err instanceof SlipwayError)) throw err;
        body = html`<p>${err.code === 'SLW_BACKUP_NOT_CONFIGURED' ? 'No backups configured (no backups: in its slipway.yaml).' : `${err.message} [${err.code}]`}</p>`;
      }
      return html`<section aria-labelledby="b-${p.name}"><h2 id="b-${p.name}">${p.name}</h2>${body}</section>`;
    }),
  );
  return { title: 'Backups', main: html`<h1>Backups</h1>${projects.length === 0 ? html`<p>No project on this host.</p>` : sections}<p class="hint">Drills: <code>slipway backup drill</code>; their last outcome is in the daemon's metrics.</p>` };
}
