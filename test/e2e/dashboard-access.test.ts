// The dashboard's access, against a real daemon: off unless configured; no session → 401 and the
// login page with no data; a wrong token → 401; the right one → a session cookie HttpOnly,
// SameSite=Strict (Secure when the proxy in front says HTTPS); an action without the session's
// CSRF token, or from another origin, is refused and changes nothing; rotating the token ends
// every session; a restarted daemon keeps its sessions; only hashes are stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../src/lib/free-port.js';
import { cli, destroyProject, makeProject, serviceYaml, setVersion, waitFor } from '../helpers/e2e-project.js';

async function post(base: string, path: string, body: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base, ...headers }, body: new URLSearchParams(body).toString() });
}

const cookieOf = (res: Response): string => (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

test('dashboard access: login page without a session, wrong and rotated tokens get 401, CSRF-less and cross-origin actions refused, sessions survive a daemon restart', { timeout: 120_000 }, async () => {
  const p = await makeProject();
  try {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    await writeFile(p.configFile, `version: 1\nproxy:\n  http: ${p.port}\n  host: 127.0.0.1\ndashboard:\n  listen: 127.0.0.1:${port}\nservices:\n${serviceYaml('web', { instances: 1 })}`);
    await setVersion(p, 'v1');
    const daemon = await cli(p, ['daemon', '--detach']);
    assert.equal(daemon.code, 0, daemon.stderr);
    assert.equal((await cli(p, ['deploy'])).code, 0);

    // No token yet, no cookie: the login page, 401, nothing of the host.
    const anonymous = await fetch(`${base}/`);
    assert.equal(anonymous.status, 401);
    const loginHtml = await anonymous.text();
    assert.match(loginHtml, /<label for="token">/);
    assert.doesNotMatch(loginHtml, /hello\.localhost|>web</);
    assert.equal((await fetch(`${base}/events`)).status, 401);

    const made = await cli(p, ['dashboard', 'token', '--json']);
    assert.equal(made.code, 0, made.stderr);
    const token: string = made.json.token;
    assert.match(token, /^slw_dash_[\w-]{40,}$/);
    // Only hashes on disk.
    const stored = await readFile(join(p.stateDir, 'dashboard', 'auth.json'), 'utf8');
    assert.ok(!stored.includes(token) && !stored.includes(token.slice(9)), 'the token is stored hashed');

    const wrong = await post(base, '/login', { token: `${token}x` });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('set-cookie'), null);
    // A login posted from another origin is refused even with the right token.
    assert.equal((await post(base, '/login', { token }, { origin: 'http://evil.localhost' })).status, 403);

    const login = await post(base, '/login', { token });
    assert.equal(login.status, 303);
    const setCookie = login.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.doesNotMatch(setCookie, /Secure/, 'plain HTTP: no Secure flag (the browser would drop the cookie)');
    const behindTls = await post(base, '/login', { token }, { 'x-forwarded-proto': 'https', origin: `https://127.0.0.1:${port}` });
    assert.match(behindTls.headers.get('set-cookie') ?? '', /; Secure/);
    const cookie = cookieOf(login);

    const overview = await fetch(`${base}/`, { headers: { cookie } });
    assert.equal(overview.status, 200);
    const page = await overview.text();
    assert.match(page, />web</);
    assert.match(overview.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
    assert.ok(csrf.length > 20);

    // Actions: without the CSRF token, with a wrong one, from another origin → 403, maintenance stays off.
    const project = (await cli(p, ['status', '--json'])).json.project as string;
    const action = { action: 'maintenance-on', project, service: 'web' };
    assert.equal((await post(base, '/action', action, { cookie })).status, 403);
    assert.equal((await post(base, '/action', { ...action, csrf: `${csrf}x` }, { cookie })).status, 403);
    assert.equal((await post(base, '/action', { ...action, csrf }, { cookie, origin: 'http://evil.localhost' })).status, 403);
    const noOrigin = await fetch(`${base}/action`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...action, csrf }).toString() });
    assert.equal(noOrigin.status, 403, 'no Origin and no Referer: refused');
    assert.equal((await cli(p, ['maintenance', '--json'])).json.entries.length, 0, 'nothing changed');
    // With both: done, as the CLI sees it.
    const done = await post(base, '/action', { ...action, csrf }, { cookie });
    assert.equal(done.status, 200, await done.clone().text());
    assert.equal((await cli(p, ['maintenance', '--json'])).json.entries.length, 1);
    assert.equal((await post(base, '/action', { ...action, action: 'maintenance-off', csrf }, { cookie })).status, 200);

    // A restarted daemon keeps the session.
    assert.equal((await cli(p, ['stop', '--keep-apps'])).code, 0);
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    await waitFor('the dashboard back', async () => ((await fetch(`${base}/`, { headers: { cookie } }).catch(() => undefined))?.status === 200 ? true : undefined), 20_000);

    // Rotation ends every session: the old cookie and the old token get 401 and no data.
    const rotated = await cli(p, ['dashboard', 'token', '--json']);
    assert.equal(rotated.json.endedSessions >= 1, true);
    const old = await fetch(`${base}/`, { headers: { cookie } });
    assert.equal(old.status, 401);
    assert.doesNotMatch(await old.text(), />web</);
    assert.equal((await post(base, '/login', { token })).status, 401);
    assert.equal((await post(base, '/login', { token: rotated.json.token })).status, 303);
  } finally {
    await cli(p, ['stop']).catch(() => undefined);
    await destroyProject(p);
  }
});

test('a daemon without dashboard: no listener, the traffic method says it is off', { timeout: 60_000 }, async () => {
  const p = await makeProject();
  try {
    await setVersion(p, 'v1');
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    const { ApiClient } = await import('../../src/api/client.js');
    const api = new ApiClient(join(p.stateDir, 'daemon.sock'));
    await assert.rejects(api.call('traffic', {}), (err: Error & { code?: string }) => err.code === 'SLW_DASHBOARD_OFF');
  } finally {
    await cli(p, ['stop']).catch(() => undefined);
    await destroyProject(p);
  }
});
