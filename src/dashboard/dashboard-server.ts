/**
 * The dashboard: server-rendered pages over the control API (the same client, methods and
 * schemas as the CLI), a small script that keeps them live from the event bus (Server-Sent
 * Events), token login with a session cookie, and actions that need a confirmation, the
 * session's CSRF token and the dashboard's own origin.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { toSlipwayError } from '../errors.js';
import { ACTIONS, type ActionInput } from './actions.js';
import { APP_CSS, APP_JS } from './web/assets.js';
import type { AuthStore, Session } from './auth-store.js';
import { sameSecret } from './auth-store.js';
import type { EventFeed } from './event-feed.js';
import { html } from './html.js';
import { SESSION_COOKIE, isSecure, parseCookies, readForm, sameOrigin } from './http-input.js';
import { alertsPage } from './pages/alerts.js';
import { backupsPage } from './pages/backups.js';
import { certsPage } from './pages/certs.js';
import type { DashboardApi, Page, PageContext } from './pages/context.js';
import { layout } from './pages/layout.js';
import { loginPage } from './pages/login.js';
import { overviewPage } from './pages/overview.js';
import { servicePage } from './pages/service.js';
import { SseHub } from './sse-hub.js';

const PAGES: Readonly<Record<string, (ctx: PageContext) => Promise<Page>>> = {
  '/': overviewPage,
  '/service': servicePage,
  '/certs': certsPage,
  '/backups': backupsPage,
  '/alerts': alertsPage,
};

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

export interface DashboardOptions {
  readonly api: DashboardApi;
  readonly auth: AuthStore;
  readonly feed: EventFeed;
  /** The daemon's pid and start, sent to each page when it connects (it tells a restart from a blip). */
  readonly daemon: { pid: number; startedAt: string };
}

export class DashboardServer {
  readonly #server: Server;
  readonly #o: DashboardOptions;
  readonly #hub: SseHub;

  constructor(o: DashboardOptions) {
    this.#o = o;
    this.#hub = new SseHub(o.feed, o.daemon);
    this.#server = createServer((req, res) => void this.#handle(req, res).catch((err: unknown) => this.#fail(res, err)));
  }

  async listen(host: string, port: number): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => resolve());
    });
    const a = this.#server.address() as AddressInfo;
    return { host: a.address, port: a.port };
  }

  async close(): Promise<void> {
    this.#hub.close();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    const secure = isSecure(req);
    if (req.method === 'GET' && url.pathname === '/assets/app.js') return send(res, 200, 'text/javascript; charset=utf-8', APP_JS, { 'cache-control': 'max-age=300' });
    if (req.method === 'GET' && url.pathname === '/assets/app.css') return send(res, 200, 'text/css; charset=utf-8', APP_CSS, { 'cache-control': 'max-age=300' });
    if (req.method === 'POST' && url.pathname === '/login') return this.#login(req, res, secure);
    const sid = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    const session = this.#o.auth.session(sid);
    // No session (none, a wrong token's, or one the token's rotation ended): 401 and the login page, no data.
    if (!session || !sid) return this.#page(res, 401, loginPage(undefined), url.pathname, undefined);
    if (req.method === 'GET' && url.pathname === '/events') return this.#hub.attach(req, res);
    if (req.method === 'POST') {
      const form = await readForm(req);
      if (!form || !sameOrigin(req, secure) || !sameSecret(form.get('csrf') ?? '', session.csrf)) {
        return this.#page(res, 403, { title: 'Refused', main: html`<h1>Refused</h1><p role="alert">This request did not come from a page of this dashboard (its CSRF token or origin is missing or wrong); nothing was done.</p><p><a href="/">Back to the overview</a></p>` }, '', session.csrf);
      }
      if (url.pathname === '/logout') {
        await this.#o.auth.logout(sid);
        return redirect(res, '/', [`${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`]);
      }
      if (url.pathname === '/action') return this.#act(req, res, form, session);
    }
    if (req.method === 'GET' && url.pathname === '/confirm') return this.#confirm(res, url, session);
    const render = req.method === 'GET' ? PAGES[url.pathname] : undefined;
    if (!render) return this.#page(res, 404, { title: 'Not found', main: html`<h1>Not found</h1><p><a href="/">Back to the overview</a></p>` }, '', session.csrf);
    const page = await render({ api: this.#o.api, url, csrf: session.csrf, now: Date.now() });
    // The script asks for the main content only when it refreshes a page live.
    if (req.headers['x-slipway-fragment'] === 'main') return send(res, 200, 'text/html; charset=utf-8', page.main.text);
    return this.#page(res, 200, page, url.pathname, session.csrf);
  }

  async #login(req: IncomingMessage, res: ServerResponse, secure: boolean): Promise<void> {
    const form = await readForm(req);
    if (!form || !sameOrigin(req, secure)) return this.#page(res, 403, loginPage('This login did not come from the dashboard\'s own page.'), '/login', undefined);
    const made = await this.#o.auth.login(form.get('token') ?? '');
    if (!made) return this.#page(res, 401, loginPage('That token is not the dashboard\'s current token (it may have been rotated).'), '/login', undefined);
    redirect(res, '/', [`${SESSION_COOKIE}=${made.id}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`]);
  }

  #confirm(res: ServerResponse, url: URL, session: Session): void {
    const name = url.searchParams.get('action') ?? '';
    const spec = ACTIONS[name];
    if (!spec) return this.#page(res, 400, { title: 'Unknown action', main: html`<h1>Unknown action</h1>` }, '', session.csrf);
    const input = inputOf(url.searchParams);
    const back = input.service ? `/service?project=${encodeURIComponent(input.project)}&service=${encodeURIComponent(input.service)}` : '/';
    const fields = ['action', 'project', 'service', 'rule'].map((k) => html`<input type="hidden" name="${k}" value="${url.searchParams.get(k) ?? ''}">`);
    this.#page(res, 200, {
      title: 'Confirm',
      main: html`<h1>Confirm</h1><p id="question">${spec.describe({ ...input, actor: { user: '', host: '' } })}?</p>
<form method="post" action="/action" aria-describedby="question">${fields}<input type="hidden" name="csrf" value="${session.csrf}"><button type="submit" id="confirm">Yes, do it</button> <a href="${back}" id="cancel">Cancel</a></form>`,
    }, '', session.csrf);
  }

  async #act(req: IncomingMessage, res: ServerResponse, form: URLSearchParams, session: Session): Promise<void> {
    const spec = ACTIONS[form.get('action') ?? ''];
    if (!spec) return this.#page(res, 400, { title: 'Unknown action', main: html`<h1>Unknown action</h1>` }, '', session.csrf);
    const input: ActionInput = { ...inputOf(form), actor: { user: 'dashboard', host: `${hostname()} (${req.socket.remoteAddress ?? '?'})` } };
    const back = input.service ? `/service?project=${encodeURIComponent(input.project)}&service=${encodeURIComponent(input.service)}` : '/';
    let message: string;
    let ok = true;
    try {
      message = await spec.run(this.#o.api, input);
    } catch (err) {
      const e = toSlipwayError(err);
      ok = false;
      message = `${e.message} [${e.code}] ${e.hint}`;
    }
    this.#page(res, ok ? 200 : 409, { title: ok ? 'Done' : 'Failed', main: html`<h1>${ok ? 'Done' : 'Failed'}</h1><p role="status" id="outcome" class="${ok ? 'ok' : 'bad'}">${message}</p><p><a href="${back}" id="back">Back</a></p>` }, '', session.csrf);
  }

  #page(res: ServerResponse, status: number, page: Page, path: string, csrf: string | undefined): void {
    send(res, status, 'text/html; charset=utf-8', layout(page, path, csrf).text);
  }

  #fail(res: ServerResponse, err: unknown): void {
    if (res.headersSent) return void res.end();
    const e = toSlipwayError(err);
    send(res, 502, 'text/html; charset=utf-8', layout({ title: 'Error', main: html`<h1>The daemon did not answer this page</h1><p role="alert">${e.message} [${e.code}]</p>` }, '', undefined).text);
  }
}

function inputOf(p: URLSearchParams): Omit<ActionInput, 'actor'> {
  return { project: p.get('project') ?? '', service: p.get('service') ?? '', rule: p.get('rule') ?? '' };
}

function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

function redirect(res: ServerResponse, to: string, cookies: string[]): void {
  res.writeHead(303, { ...SECURITY_HEADERS, location: to, 'set-cookie': cookies, 'content-length': 0 });
  res.end();
}
