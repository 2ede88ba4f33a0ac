// Issue 18's acceptance in a real browser (Debian's chromium, driven by playwright-core) against a
// real daemon with two projects and three services (our app, python's http.server twice): a
// wrong token gets 401 and no data, the right one logs in; every page passes the accessibility
// checks and is saved as a screenshot (test-artifacts/dashboard/); during a canary deploy of a
// bad release the service page, without a reload, shows the canary, its share of traffic, the
// running deploy on the timeline, the judge's evidence rising and the rollback; the rollback
// button rolls back (checked with the CLI); an action posted without the CSRF token is refused
// and changes nothing; a daemon restart is shown and survived; a rotated token ends the session
// (401, no data); no page or response shows a secret value (the CLI's leak scan); no request
// leaves loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../src/lib/free-port.js';
import { CLI, cli, cliOn, destroyProject, makeProject, serviceYaml, setVersion, type Project } from '../helpers/e2e-project.js';
import { HostLoad } from '../helpers/host-load.js';
import { secretForms } from '../helpers/secret-forms.js';
import type { Browser } from 'playwright-core';
import { accessibilityProblems, egressTrap, launchBrowser, type EgressTrap, offLoopback, recordRequests, screenshot, waitInPage } from '../helpers/dashboard-browser.js';

const SECRET = 'dash-secret-7f3a9c1e5b';
const PYTHON = (echo: string) => `${echo}exec python3 -m http.server $PORT --bind 127.0.0.1`;
const HEALTH = '    health: { path: /health, interval: 200ms, timeout: 1s, rise: 2, fall: 2, startTimeout: 20s }';
const CANARY = '    strategy:\n      canary: { steps: [20%, 50%], minHold: [60s, 60s], minRequests: 40, sticky: none }\n';

function pythonService(name: string, dir: string, host: string, extra = ''): string {
  // The one that prints the secret keeps python's access log out of its own (a short tail shows the line).
  const run = extra ? `echo "api token is $API_TOKEN"; ${PYTHON('')} 2>/dev/null` : PYTHON('');
  return [`  ${name}:`, `    source: ./${dir}`, `    run: ${run}`, `    routes: [{ host: ${host} }]`, HEALTH, '    instances: 1', '    drain: 1s', '    keepWarm: 10m', '    watch: 1s', '    stopTimeout: 3s', extra].filter(Boolean).join('\n') + '\n';
}

async function site(dir: string, text: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'index.html'), `${text}\n`);
  await writeFile(join(dir, 'health'), 'ok\n');
}

function shopConfig(p: Project, dashboard: number, webExtra: string): string {
  return `version: 1\nproxy:\n  http: ${p.port}\n  host: 127.0.0.1\ndashboard:\n  listen: 127.0.0.1:${dashboard}\nsecrets:\n  API_TOKEN: {}\nservices:\n${serviceYaml('web', { instances: 1, watch: '1s' })}${webExtra}${pythonService('files', 'files', 'files.localhost', '    env: { API_TOKEN: "${secret:API_TOKEN}" }')}`;
}

test('dashboard in a browser: login, pages, live canary and its rollback, rollback button, daemon restart, no secret, loopback only', { timeout: 420_000 }, async (t) => {
  const p = await makeProject();
  let browser: Browser | undefined;
  let load: HostLoad | undefined;
  let trap: EgressTrap | undefined;
  try {
    // Anything the browser would send off loopback (the pages' requests or its own) lands in the trap.
    trap = await egressTrap();
    browser = await launchBrowser(trap.port);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    await site(join(p.dir, 'files'), 'files v1');
    await writeFile(p.configFile, shopConfig(p, port, ''));
    const blogDir = join(p.dir, 'blog-site');
    const blogConfig = join(blogDir, 'slipway.yaml');
    await site(join(blogDir, 'site'), 'blog v1');
    await writeFile(blogConfig, `version: 1\nproject: blog\nservices:\n${pythonService('web', 'site', 'blog.localhost')}`);
    const set = spawnSync(process.execPath, [CLI, 'secrets', 'set', 'API_TOKEN', '--config', p.configFile], { input: `${SECRET}\n`, cwd: p.dir, encoding: 'utf8', env: { ...process.env, SLIPWAY_TEST_MARK: p.mark } });
    assert.equal(set.status, 0, set.stderr);
    await setVersion(p, 'v1');
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    const shop = await cli(p, ['deploy', '--json']);
    assert.equal(shop.code, 0, shop.stdout + shop.stderr);
    const shopName = (await cli(p, ['status', '--json'])).json.project as string;
    assert.equal((await cliOn(p, blogConfig, ['deploy'])).code, 0);
    await site(join(blogDir, 'site'), 'blog v2');
    assert.equal((await cliOn(p, blogConfig, ['deploy'])).code, 0);
    load = new HostLoad(p.port, ['hello.localhost', 'files.localhost', 'blog.localhost'], () => true, 45);
    const token = (await cli(p, ['dashboard', 'token', '--json'])).json.token as string;

    const page = await browser.newPage();
    const urls = recordRequests(page);
    const seen: string[] = [];
    // Every body the dashboard sent (but the endless event stream), for the leak scan.
    const bodies: Promise<string>[] = [];
    page.on('response', (r) => {
      if (!(r.headers()['content-type'] ?? '').startsWith('text/event-stream')) bodies.push(r.text().catch(() => ''));
    });
    const keep = async (name: string): Promise<void> => {
      seen.push(await page.content());
      await screenshot(page, name);
      assert.deepEqual(await accessibilityProblems(page), [], `accessibility of ${name}`);
    };

    // Login: the page without a session is a 401 with no data.
    const first = await page.goto(base);
    assert.equal(first?.status(), 401);
    assert.doesNotMatch(await page.content(), /files\.localhost|blog/);
    await keep('login');
    await page.fill('#token', 'slw_dash_wrong');
    const [wrong] = await Promise.all([page.waitForResponse((r) => r.url() === `${base}/login`), page.click('button[type="submit"]')]);
    assert.equal(wrong.status(), 401);
    assert.match(await page.textContent('[role="alert"]') ?? '', /not the dashboard's current token/);
    assert.doesNotMatch(await page.content(), /files\.localhost|blog/);
    await page.fill('#token', token);
    await Promise.all([page.waitForURL(`${base}/`), page.click('button[type="submit"]')]);
    await page.waitForSelector('#live:has-text("Live")');
    const overview = await page.textContent('main') ?? '';
    for (const name of [shopName, 'blog', 'web', 'files', 'Open alerts']) assert.ok(overview.includes(name), `overview shows ${name}`);
    await keep('overview');
    for (const path of ['certs', 'backups', 'alerts']) {
      await page.goto(`${base}/${path}`);
      await keep(path);
    }

    // The files service: its log tail shows the secret redacted (so the scan below can catch a leak).
    await page.goto(`${base}/service?project=${shopName}&service=files`);
    await page.waitForSelector('pre.logs:has-text("[redacted:API_TOKEN]")');
    // CPU time and memory of python's process, as the process driver reports them.
    assert.match(await page.textContent('table:has(caption:has-text("Instances of the service")) tbody') ?? '', /\d+(\.\d+)? s.*\d+(\.\d)? MiB/s);
    await keep('service-files');

    // A bad canary, followed live on the service page: no reload from here on.
    await page.goto(`${base}/service?project=${shopName}&service=web`);
    await page.evaluate('window.__sameDocument = true');
    // Every value of the judge's error evidence the page shows, in order (the page replaces its main part on each update).
    await page.evaluate(`(() => {
      window.__evidence = [];
      window.__stepTime = 0;
      const note = () => {
        const cell = document.querySelector('table.evidence tr[data-test="errors"] .evidence');
        const v = cell ? parseFloat(cell.textContent) : NaN;
        if (!Number.isNaN(v) && window.__evidence.at(-1) !== v) window.__evidence.push(v);
        const t = parseFloat(document.querySelector('.step-time')?.textContent ?? '');
        if (t > window.__stepTime) window.__stepTime = t;
      };
      new MutationObserver(note).observe(document.getElementById('main'), { childList: true, subtree: true });
    })()`);
    await writeFile(p.configFile, shopConfig(p, port, `${CANARY}    env: { HELLO_MODE: flaky, HELLO_FAIL_RATE: "0.3" }\n`));
    await setVersion(p, 'v2');
    const deploying = cli(p, ['deploy', '--json']);
    await page.waitForSelector('#canary', { timeout: 60_000 });
    await page.waitForSelector('.split:has-text("20 %")');
    await page.waitForSelector('.timeline li.running');
    await page.waitForSelector('table:has(caption:has-text("Instances of the service")) tbody tr:has(td:text-is("canary"))');
    await keep('service-canary');
    const canaryRelease = (await page.textContent('#canary ~ dl dd, .facts dd') ?? '').trim();
    assert.ok(canaryRelease.length > 0);
    // The canary release's errors, from the proxy's counters, rise above zero on the page.
    const stable = (await cli(p, ['status', '--json'])).json.services.find((s: { name: string }) => s.name === 'web').activeRelease as string;
    await waitInPage(page, `[...document.querySelectorAll('table.traffic tbody tr')].some((r) => r.querySelector('th').textContent.trim() !== ${JSON.stringify(stable)} && parseFloat(r.children[2].textContent) > 0)`, 60_000);
    const result = await deploying;
    assert.notEqual(result.code, 0, 'the bad canary is rolled back');
    assert.match(result.stdout + result.stderr, /SLW_CANARY_ROLLED_BACK/);
    // The judge's error evidence rose on the page, step by step, without a reload.
    const evidence = (await page.evaluate('window.__evidence')) as number[];
    t.diagnostic(`error evidence seen on the page, % of the rollback threshold: ${evidence.join(', ')}`);
    assert.ok(evidence.length >= 2 && Math.max(...evidence) > (evidence[0] ?? 0) && Math.max(...evidence) > 0, `evidence seen rising: ${evidence.join(', ')}`);
    assert.ok(((await page.evaluate('window.__stepTime')) as number) > 0, 'the time in step counted up');
    await page.waitForSelector('.timeline li:first-child:has-text("reverted"), .timeline li:first-child:has-text("failed")', { timeout: 30_000 });
    await waitInPage(page, '!document.getElementById("canary")');
    assert.equal(await page.evaluate('window.__sameDocument === true'), true, 'updated without a reload');
    await keep('service-after-rollback');

    // The rollback button of blog's web: confirm, done, and the CLI agrees.
    await page.goto(`${base}/service?project=blog&service=web`);
    assert.equal(await page.textContent('#serving'), 'r2');
    await page.click('#act-rollback');
    await keep('confirm');
    await page.click('#confirm');
    await page.waitForSelector('#outcome');
    assert.match(await page.textContent('#outcome') ?? '', /Rollback of web: succeeded, now serving r1/);
    await keep('action-done');
    const status = await cliOn(p, blogConfig, ['status', '--json']);
    assert.equal(status.json.services.find((s: { name: string }) => s.name === 'web').activeRelease, 'r1');
    const history = await cliOn(p, blogConfig, ['history', '--json']);
    assert.equal(history.json.deployments[0].kind, 'rollback');
    assert.equal(history.json.deployments[0].actor.user, 'dashboard');

    // An action the page posts without the session's CSRF token is refused, and nothing changes.
    const forged = (await page.evaluate(`fetch('/action', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ action: 'maintenance-on', project: 'blog', service: 'web' }).toString() }).then((r) => r.status)`)) as number;
    assert.equal(forged, 403);
    assert.equal((await cliOn(p, blogConfig, ['maintenance', '--json'])).json.entries.length, 0, 'no maintenance turned on');

    // The daemon restarts: the page says it is away, then that it was, and carries on.
    await page.goto(`${base}/`);
    await page.waitForSelector('body[data-daemon="up"]');
    assert.equal((await cli(p, ['stop', '--keep-apps'])).code, 0);
    await page.waitForSelector('body[data-daemon="away"]', { timeout: 20_000 });
    assert.match(await page.textContent('#live') ?? '', /not answering/);
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    await page.waitForSelector('#live:has-text("was away")', { timeout: 30_000 });
    assert.match(await page.textContent('#live') ?? '', /restarted/);
    await keep('overview-after-restart');

    // A rotated token ends the browser's session: 401 and no data; the old token no longer logs in.
    // (Off the live page first: its own script would reload it on the 401, racing the test's navigation.)
    await page.goto('about:blank');
    assert.equal((await cli(p, ['dashboard', 'token', '--json'])).code, 0);
    const ended = await page.goto(base);
    assert.equal(ended?.status(), 401);
    assert.doesNotMatch(await page.content(), /files\.localhost|blog|>web</);
    await page.fill('#token', token);
    const [old] = await Promise.all([page.waitForResponse((r) => r.url() === `${base}/login`), page.click('button[type="submit"]')]);
    assert.equal(old.status(), 401);
    assert.doesNotMatch(await page.content(), /files\.localhost|blog|>web</);

    // No page showed the secret value; no request left loopback.
    const sent = await Promise.all(bodies);
    assert.ok(sent.length > 10);
    for (const text of [...seen, ...sent]) for (const needle of secretForms(SECRET)) assert.ok(!text.includes(needle), 'the dashboard shows the secret');
    assert.deepEqual(offLoopback(urls), []);
    // Debian's chromium still calls its vendor (update and sign-in services) at start, whatever the
    // flags: the trap keeps that on the machine; anything else would come from the dashboard's pages.
    const vendor = /^(CONNECT |\w+ https?:\/\/)[\w.-]*\b(google\.com|googleapis\.com|gstatic\.com)[:/]/;
    t.diagnostic(`the browser's own calls kept from the network: ${trap.seen.filter((l) => vendor.test(l)).length}`);
    assert.deepEqual(trap.seen.filter((l) => !vendor.test(l)), [], 'nothing of the dashboard left loopback');
    assert.ok(urls.length > 10);
  } finally {
    // Everything this test started goes, even after a failure: the load, the browser, the daemon
    // with its proxy and apps (asked, then killed by pid with any CLI still running).
    await load?.stop().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await trap?.close().catch(() => undefined);
    await cli(p, ['stop']).catch(() => undefined);
    await destroyProject(p);
  }
});
