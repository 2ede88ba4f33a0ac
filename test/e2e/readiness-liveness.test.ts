// Separate readiness and liveness checks on python's http.server, toggled by files in a volume
// it serves: an app whose readiness says no is never routed (a new one fails its deploy, a
// running one leaves rotation and is NOT restarted while its liveness passes); one whose liveness
// fails is restarted, and readiness keeps it out of rotation until it says yes again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, destroyProject, makeProject, waitFor, type Project } from '../helpers/e2e-project.js';
import { httpAnswer } from '../helpers/http-answer.js';

const PYTHON = 'exec python3 -m http.server $PORT --bind 127.0.0.1';
const TIMING = ['    instances: 1', '    drain: 1s', '    watch: 1s', '    stopTimeout: 2s'];

function yaml(p: Project): string {
  return [
    'version: 1',
    `proxy: { http: ${p.port}, host: 127.0.0.1 }`,
    'services:',
    '  site:',
    '    source: ./site',
    `    run: ${PYTHON}`,
    '    routes: [{ host: site.localhost }]',
    '    volumes: { probe: {} }',
    '    health:',
    '      readiness: { path: /probe/ready, interval: 200ms, timeout: 1s, rise: 1, fall: 1, startTimeout: 3s }',
    '      liveness: { path: /probe/live, interval: 200ms, timeout: 1s, failures: 3 }',
    ...TIMING,
    '  never:',
    '    source: ./never',
    `    run: ${PYTHON}`,
    '    routes: [{ host: never.localhost }]',
    '    health:',
    '      readiness: { path: /ready, interval: 200ms, timeout: 1s, rise: 1, startTimeout: 3s }',
    '      liveness: { path: /index.html, interval: 200ms, failures: 3 }',
    ...TIMING,
    '',
  ].join('\n');
}

const get = (p: Project, host: string) => httpAnswer({ host: '127.0.0.1', port: p.port, path: '/', headers: { host } }).then((a) => a, () => ({ status: 0, body: '' }));

type Instance = { id: string; pid?: number; inRotation: boolean; healthy?: boolean; restarts: number; state: string };
async function siteInstances(p: Project): Promise<Instance[]> {
  const status = await cli(p, ['status', '--json']);
  return status.json.services.find((s: { name: string }) => s.name === 'site')?.instances ?? [];
}

/** Requests to `host` for `ms`: how many reached the app (its page answered). */
async function served(p: Project, host: string, body: RegExp, ms: number): Promise<{ total: number; reached: number }> {
  const until = Date.now() + ms;
  let total = 0;
  let reached = 0;
  while (Date.now() < until) {
    const a = await get(p, host);
    total++;
    if (a.status === 200 && body.test(a.body)) reached++;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { total, reached };
}

test('readiness gates traffic and liveness restarts, each on its own', { timeout: 180_000 }, async () => {
  const p = await makeProject();
  try {
    for (const name of ['site', 'never']) await mkdir(join(p.dir, name), { recursive: true });
    await writeFile(join(p.dir, 'site', 'index.html'), 'site page\n');
    // The volume is seeded from the source once: both checks pass at first.
    await mkdir(join(p.dir, 'site', 'probe'), { recursive: true });
    for (const f of ['ready', 'live']) await writeFile(join(p.dir, 'site', 'probe', f), 'yes\n');
    await writeFile(join(p.dir, 'never', 'index.html'), 'never page\n');
    await writeFile(p.configFile, yaml(p));
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);

    // An app whose readiness never says yes: its deploy fails and not one request reaches it.
    const watching = served(p, 'never.localhost', /never page/, 4000);
    const never = await cli(p, ['deploy', 'never', '--json']);
    assert.notEqual(never.code, 0, never.stdout);
    assert.equal(never.json.error.code, 'SLW_HEALTH_TIMEOUT');
    assert.match(never.json.error.message, /GET \/ready/);
    const neverSeen = await watching;
    assert.ok(neverSeen.total > 20, `${neverSeen.total} requests`);
    assert.equal(neverSeen.reached, 0, 'a request reached an app that was never ready');

    const site = await cli(p, ['deploy', 'site', '--json']);
    assert.equal(site.code, 0, site.stdout + site.stderr);
    assert.equal((await get(p, 'site.localhost')).status, 200);
    const [first] = await siteInstances(p);
    assert.ok(first?.pid && first.inRotation, JSON.stringify(first));
    const volumes = await cli(p, ['volumes', '--json']);
    const probe = volumes.json.volumes.find((v: { name: string }) => v.name === 'probe')?.dir as string;
    assert.ok(probe, volumes.stdout);

    // Readiness says no: out of rotation within a few checks, and left running (liveness passes).
    await rm(join(probe, 'ready'));
    await waitFor('site to leave rotation', async () => ((await get(p, 'site.localhost')).status !== 200 ? true : undefined), 5000);
    const notReady = await served(p, 'site.localhost', /site page/, 3000);
    assert.equal(notReady.reached, 0, 'traffic reached an instance whose readiness said no');
    const [kept] = await siteInstances(p);
    // (The proxy keeps the target in its table, marked unhealthy: it gets no requests.)
    assert.deepEqual([kept?.pid, kept?.restarts, kept?.healthy], [first.pid, 0, false], 'not ready is not dead: same process, no restart');

    // Liveness fails too: the instance is restarted, and stays out of rotation while not ready.
    await rm(join(probe, 'live'));
    const restarted = await waitFor('a restart by liveness', async () => {
      const [i] = await siteInstances(p);
      return i && i.restarts >= 1 ? i : undefined;
    }, 15_000);
    assert.ok(restarted.restarts >= 1);
    const whileDead = await served(p, 'site.localhost', /site page/, 1500);
    assert.equal(whileDead.reached, 0);

    // Both say yes again: back in rotation, a new process.
    for (const f of ['ready', 'live']) await writeFile(join(probe, f), 'yes\n');
    await waitFor('site back in rotation', async () => ((await get(p, 'site.localhost')).status === 200 ? true : undefined), 30_000);
    const [back] = await siteInstances(p);
    assert.ok(back && back.inRotation && back.healthy !== false && back.pid !== first.pid && back.restarts >= 1, JSON.stringify(back));
  } finally {
    await destroyProject(p);
  }
});
