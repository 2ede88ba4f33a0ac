/**
 * The dashboard's front end: one stylesheet and one small script, no framework, no CDN, no
 * download at run time. They are compiled with the rest of slipway (`prepare` runs tsc) and
 * served from the package; bench/dashboard.bench.ts keeps their size within a budget.
 *
 * The script only enhances: every page works (and every action, through its confirmation
 * page) without it. With it, a page replaces its main content when the daemon's event stream
 * says something changed, says when the daemon is away and when it is back.
 */
export const APP_JS = `(() => {
  'use strict';
  const main = document.getElementById('main');
  const live = document.getElementById('live');
  if (!main || !live || !window.EventSource) return;
  let awaySince = 0;
  let pid;
  let timer;
  let busy = false;
  const say = (text, kind) => { live.textContent = text; live.className = kind || ''; };
  const refresh = () => { clearTimeout(timer); timer = setTimeout(load, 200); };
  async function load() {
    if (busy) return refresh();
    busy = true;
    try {
      const res = await fetch(location.href, { headers: { 'x-slipway-fragment': 'main' }, credentials: 'same-origin' });
      if (res.status === 401) return location.reload();
      if (!res.ok) return;
      const text = await res.text();
      const focused = document.activeElement && main.contains(document.activeElement) ? document.activeElement.id : '';
      main.innerHTML = text;
      const again = focused && document.getElementById(focused);
      if (again) again.focus();
    } catch (e) {
      /* the event stream reports the daemon away */
    } finally {
      busy = false;
    }
  }
  const events = new EventSource('/events');
  events.addEventListener('hello', (e) => {
    const d = JSON.parse(e.data);
    if (awaySince) {
      const s = Math.max(1, Math.round((Date.now() - awaySince) / 1000));
      say('The daemon was away for about ' + s + ' s' + (pid !== undefined && d.pid !== pid ? ' (it restarted)' : '') + '; the page is live again.', 'ok');
      awaySince = 0;
      refresh();
    } else if (pid === undefined) {
      say('Live: the page follows the daemon\\'s events.', '');
    }
    pid = d.pid;
    document.body.dataset.daemon = 'up';
  });
  events.addEventListener('change', refresh);
  events.addEventListener('tick', () => { if (main.dataset.live === 'fast') refresh(); });
  // A canary in progress moves each second (its judge's verdicts, the time in step): follow it at that pace.
  setInterval(() => { if (document.body.dataset.daemon === 'up' && document.getElementById('canary')) refresh(); }, 1000);
  events.addEventListener('error', () => {
    if (awaySince) return;
    awaySince = Date.now();
    document.body.dataset.daemon = 'away';
    say('The daemon is not answering: this page shows what it said last and reconnects by itself.', 'bad');
  });
})();
`;

export const APP_CSS = `:root { color-scheme: light; --fg: #1a1a1a; --bg: #ffffff; --muted: #4a4a4a; --ok: #0b6b2b; --bad: #a4161a; --line: #c8c8c8; --accent: #0b4f9c; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; gap: 1.5rem; align-items: center; padding: .5rem 1rem; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
.brand { font-weight: 700; }
nav ul { list-style: none; display: flex; gap: 1rem; margin: 0; padding: 0; }
a { color: var(--accent); }
a[aria-current="page"] { font-weight: 700; }
main { padding: 1rem; max-width: 80rem; }
main:focus { outline: none; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: .5rem; background: var(--bg); padding: .25rem .5rem; }
.logout { margin-left: auto; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .6rem; text-align: left; vertical-align: middle; }
.ok { color: var(--ok); }
.bad { color: var(--bad); }
.running { color: var(--accent); }
.hint, .sub { color: var(--muted); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; }
.spark { color: var(--accent); vertical-align: middle; }
.spark-none { color: var(--muted); font-size: .85em; }
pre.logs { background: #f3f3f3; padding: .5rem; overflow: auto; max-height: 16rem; font-size: 13px; }
button { font: inherit; padding: .25rem .7rem; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 3px; cursor: pointer; }
form.inline { display: inline; }
.login { display: grid; gap: .4rem; max-width: 24rem; }
input[type="password"] { font: inherit; padding: .3rem; border: 1px solid var(--muted); }
.problem { color: var(--bad); }
#live { padding: 0 1rem; min-height: 1.4em; }
`;
