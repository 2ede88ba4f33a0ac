/**
 * The dashboard's cost. (1) Its front end against a size budget (the script and stylesheet the
 * package serves). (2) First page load in Debian's chromium: login, then the overview with every
 * asset, in a fresh browser context (no cache), against a bare node server's one-line page
 * loaded by the same browser in the same run. (3) The daemon idle for a while without the
 * dashboard configured, then with it and one overview page open (event stream, refresh every
 * tick): daemon CPU time and RSS. Run:
 *
 *   node --import tsx bench/dashboard.ts [--idle 30]        (raw values: bench/results/dashboard.json)
 */
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import { APP_CSS, APP_JS } from '../src/dashboard/web/assets.js';
import { freePort } from '../src/lib/free-port.js';
import { egressTrap, launchBrowser } from '../test/helpers/dashboard-browser.js';
import { REPO_ROOT, withProject, type BenchProject } from './bench-project.js';
import { cpuMs, rssMb } from './rss.js';

const { values } = parseArgs({ options: { idle: { type: 'string', default: '30' } } });
const IDLE_MS = Number(values.idle) * 1000;
/** Budget of the front end, raw bytes: the script and the stylesheet together. */
const BUDGET_BYTES = 12 * 1024;

const service = (port: number, dashboard: number | undefined) =>
  `version: 1\nproxy: { http: ${port}, host: 127.0.0.1 }\n${dashboard ? `dashboard: { listen: 127.0.0.1:${dashboard} }\n` : ''}services:\n  web:\n    source: ./app\n    run: node server.js\n    routes: [{ host: hello.localhost }]\n    health: { path: /health, interval: 1s, timeout: 1s, rise: 1, fall: 2 }\n    instances: 1\n    watch: 0s\n`;

async function idle(p: BenchProject): Promise<{ cpuMs: number; rssMb: number }> {
  const pid = (await p.cli(['status'])).json.daemon.pid as number;
  await sleep(2000);
  const before = await cpuMs(pid);
  await sleep(IDLE_MS);
  return { cpuMs: (await cpuMs(pid)) - before, rssMb: Math.round((await rssMb(pid)) * 10) / 10 };
}

const assets = { jsBytes: Buffer.byteLength(APP_JS), cssBytes: Buffer.byteLength(APP_CSS), gzipBytes: gzipSync(APP_JS).length + gzipSync(APP_CSS).length };
const total = assets.jsBytes + assets.cssBytes;

await withProject(['app'], async (p) => {
  const dashboard = await freePort();
  await p.writeConfig(service(p.port, undefined));
  await p.setVersion('app', 'v1');
  await p.cli(['daemon', '--detach']);
  await p.cli(['deploy']);
  const without = await idle(p);
  await p.cli(['stop', '--keep-apps']);
  await p.writeConfig(service(p.port, dashboard));
  await p.cli(['daemon', '--detach']);
  const token = (await p.cli(['dashboard', 'token'])).json.token as string;

  const reference = createServer((_q, s) => s.end('<!doctype html><title>ref</title><p>reference</p>'));
  await new Promise<void>((r) => reference.listen(0, '127.0.0.1', () => r()));
  // The browser's own calls to its vendor land in a trap on loopback, never on the network.
  const trap = await egressTrap();
  const browser = await launchBrowser(trap.port);
  try {
    const loads: { dashboardMs: number[]; referenceMs: number[]; bytes: number } = { dashboardMs: [], referenceMs: [], bytes: 0 };
    for (let i = 0; i < 5; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${(reference.address() as AddressInfo).port}/`);
      loads.referenceMs.push(await page.evaluate('performance.getEntriesByType("navigation")[0].duration') as number);
      await page.goto(`http://127.0.0.1:${dashboard}/`);
      await page.fill('#token', token);
      await Promise.all([page.waitForURL(`http://127.0.0.1:${dashboard}/`), page.click('button[type="submit"]')]);
      await page.waitForLoadState('load');
      // The overview as a first visit: a fresh context shares no cache with the login page's.
      const fresh = await browser.newContext({ storageState: await context.storageState() });
      const view = await fresh.newPage();
      let bytes = 0;
      view.on('response', (r) => void r.body().then((b) => (bytes += b.length), () => undefined));
      await view.goto(`http://127.0.0.1:${dashboard}/`, { waitUntil: 'load' });
      loads.dashboardMs.push(await view.evaluate('performance.getEntriesByType("navigation")[0].duration') as number);
      loads.bytes = bytes;
      await fresh.close();
      await context.close();
    }
    // One overview open for the idle phase (event stream, refresh on every tick).
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${dashboard}/`);
    await page.fill('#token', token);
    await Promise.all([page.waitForURL(`http://127.0.0.1:${dashboard}/`), page.click('button[type="submit"]')]);
    const withOpen = await idle(p);
    const median = (a: number[]): number => Math.round([...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? 0);
    const result = {
      assets: { ...assets, totalBytes: total, budgetBytes: BUDGET_BYTES },
      firstLoad: { dashboardMedianMs: median(loads.dashboardMs), referenceMedianMs: median(loads.referenceMs), ratio: Number((median(loads.dashboardMs) / Math.max(1, median(loads.referenceMs))).toFixed(2)), overviewBytes: loads.bytes },
      idle: { seconds: IDLE_MS / 1000, without, withOnePageOpen: withOpen, cpuRatio: Number((withOpen.cpuMs / Math.max(10, without.cpuMs)).toFixed(2)), rssDeltaMb: Math.round((withOpen.rssMb - without.rssMb) * 10) / 10 },
    };
    console.log(JSON.stringify(result, null, 2));
    await writeFile(join(REPO_ROOT, 'bench', 'results', 'dashboard.json'), `${JSON.stringify({ ...result, loads }, null, 2)}\n`);
  } finally {
    await browser.close();
    await trap.close();
    reference.close();
  }
});
if (total > BUDGET_BYTES) {
  console.log(`FAIL: the dashboard's script and stylesheet are ${total} bytes, over the budget of ${BUDGET_BYTES}`);
  process.exitCode = 1;
}
