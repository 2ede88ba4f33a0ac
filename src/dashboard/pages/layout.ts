import { html, type Html } from '../html.js';
import type { Page } from './context.js';

const NAV: readonly (readonly [string, string])[] = [
  ['/', 'Overview'],
  ['/certs', 'Certificates'],
  ['/backups', 'Backups'],
  ['/alerts', 'Alerts'],
];

/** The whole document around a page's main content. */
export function layout(page: Page, path: string, csrf: string | undefined): Html {
  const nav = NAV.map(([href, label]) => html`<li><a href="${href}"${href === path ? html` aria-current="page"` : ''}>${label}</a></li>`);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} · slipway</title>
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
<span class="brand">slipway</span>
${csrf === undefined ? '' : html`<nav aria-label="Dashboard"><ul>${nav}</ul></nav>
<form method="post" action="/logout" class="logout"><input type="hidden" name="csrf" value="${csrf}"><button type="submit">Log out</button></form>`}
</header>
<div id="live" role="status" aria-live="polite"></div>
<main id="main" tabindex="-1"${page.live ? html` data-live="${page.live}"` : ''}>
${page.main}
</main>
</body>
</html>
`;
}

/** A form that asks for confirmation first (GET /confirm), then acts with the session's CSRF token. */
export function actionButton(label: string, params: Record<string, string>, id: string): Html {
  const fields = Object.entries(params).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`);
  return html`<form method="get" action="/confirm" class="inline">${fields}<button type="submit" id="${id}">${label}</button></form>`;
}
