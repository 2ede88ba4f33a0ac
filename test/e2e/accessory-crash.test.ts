// SIGKILL of the daemon in the middle of an accessory's in-place replacement (old instance
// stopped, new one started, not yet checked): on restart the accessory is not left down. A new
// release that runs and passes its check takes over; one that does not is stopped and the
// previous release starts again on the accessory's port. The accessory is python's http.server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, daemonPid, destroyProject, isAlive, makeProject, waitFor, type Project } from '../helpers/e2e-project.js';
import { httpAnswer } from '../helpers/http-answer.js';

/** A second accessory beside the store (busybox httpd): a crash of one must not touch the other. */
const CACHE = [
  '  cache:',
  '    kind: accessory',
  '    source: ./cache',
  '    run: exec busybox httpd -f -p 127.0.0.1:$PORT -h .',
  '    health: { tcp: true, interval: 200ms, timeout: 1s, rise: 2, startTimeout: 4s }',
  '    stopTimeout: 2s',
];

function yaml(p: Project, run: string, version: string, volume = false, cache = false): string {
  return [
    'version: 1',
    `proxy: { http: ${p.port}, host: 127.0.0.1 }`,
    'services:',
    '  store:',
    '    kind: accessory',
    '    source: ./store',
    `    run: ${run}`,
    `    env: { STORE_VERSION: "${version}" }`,
    '    health: { tcp: true, interval: 200ms, timeout: 1s, rise: 2, startTimeout: 4s }',
    '    stopTimeout: 2s',
    ...(volume ? ['    volumes: { store-data: { path: ./data } }'] : []),
    ...(cache ? CACHE : []),
    '',
  ].join('\n');
}

const PYTHON = 'exec python3 -m http.server $PORT --bind 127.0.0.1';

type Instance = { id: string; pid?: number; port: number; state: string; release: string };
async function store(p: Project): Promise<{ active: string; live: Instance[] }> {
  return service(p, 'store');
}

async function service(p: Project, name: string): Promise<{ active: string; live: Instance[] }> {
  const status = await cli(p, ['status', '--json']);
  const s = status.json.services.find((x: { name: string }) => x.name === name);
  return { active: s.activeRelease, live: (s.instances as Instance[]).filter((i) => ['starting', 'healthy', 'unhealthy', 'draining'].includes(i.state)) };
}

/** Deploys with the daemon set to die when the new instance has started and its check is next. */
async function crashingDeploy(p: Project): Promise<void> {
  assert.equal((await cli(p, ['stop', '--keep-apps'])).code, 0);
  const start = await cli(p, ['daemon', '--detach'], { SLIPWAY_CRASH_AT: 'health-gate' });
  assert.equal(start.code, 0, start.stdout + start.stderr);
  const crashed = await daemonPid(p);
  assert.ok(crashed);
  const deploy = await cli(p, ['deploy', '--json']);
  assert.notEqual(deploy.code, 0, `the daemon should have died: ${deploy.stdout}`);
  await waitFor(`the daemon to die (${deploy.stdout.slice(0, 600)})`, () => (isAlive(crashed) ? undefined : true));
  const restart = await cli(p, ['daemon', '--detach']);
  assert.equal(restart.code, 0, restart.stdout + restart.stderr);
}

const page = (port: number) => httpAnswer({ host: '127.0.0.1', port, path: '/' }).then((a) => a.status, () => 0);

test('a daemon killed while an accessory is replaced in place: the accessory comes back, new if it is healthy, else the previous on its port', { timeout: 180_000 }, async () => {
  const p = await makeProject();
  try {
    await mkdir(join(p.dir, 'store'), { recursive: true });
    await writeFile(join(p.dir, 'store', 'index.html'), 'store\n');
    await writeFile(p.configFile, yaml(p, PYTHON, '1'));
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    assert.equal((await cli(p, ['deploy', '--json'])).code, 0);
    const first = await store(p);
    assert.equal(first.active, 'r1');
    const port = first.live[0]?.port ?? 0;
    assert.equal(await page(port), 200);

    // r2 is healthy: the killed deploy is finished on restart, r2 serves on the same port.
    await writeFile(p.configFile, yaml(p, PYTHON, '2'));
    await crashingDeploy(p);
    const second = await store(p);
    assert.equal(second.active, 'r2');
    assert.deepEqual(second.live.map((i) => `${i.release} ${i.state} ${i.port}`), [`r2 healthy ${port}`]);
    assert.equal(await page(port), 200);
    const h2 = await cli(p, ['history', 'store', '--json', '--limit', '1']);
    assert.equal(h2.json.deployments[0].state, 'succeeded');
    assert.match(h2.json.deployments[0].reason, /finished after a daemon restart/);

    // r3 runs but never listens: on restart it is stopped and r2 starts again on the same port.
    await writeFile(p.configFile, yaml(p, 'sleep 600', '3'));
    await crashingDeploy(p);
    const third = await store(p);
    assert.equal(third.active, 'r2');
    assert.deepEqual(third.live.map((i) => `${i.release} ${i.state} ${i.port}`), [`r2 healthy ${port}`], 'only r2 runs, on its port');
    assert.equal(await page(port), 200);
    const h3 = await cli(p, ['history', 'store', '--json', '--limit', '1']);
    assert.equal(h3.json.deployments[0].state, 'reverted');
    assert.match(h3.json.deployments[0].reason, /previous release was started again on its port/);
    const lock = await cli(p, ['lock', 'status', '--json']);
    assert.equal(lock.json.lock, null);
  } finally {
    await destroyProject(p);
  }
});

// Each start of the store appends its pid to a file in its volume, which it also serves.
const STAMPING = 'echo $$ >> data/starts; exec python3 -m http.server $PORT --bind 127.0.0.1 --directory data';

const starts = (port: number) =>
  httpAnswer({ host: '127.0.0.1', port, path: '/starts' }).then(
    (a) => (a.status === 200 ? a.body.trim().split('\n') : []),
    () => [] as string[],
  );

test('an accessory whose process dies, or is found dead at daemon start, is restarted in place: same release, port and volume, no deployment', { timeout: 120_000 }, async () => {
  const p = await makeProject();
  try {
    await mkdir(join(p.dir, 'store'), { recursive: true });
    await mkdir(join(p.dir, 'cache'), { recursive: true });
    await writeFile(join(p.dir, 'cache', 'index.html'), 'cache\n');
    await writeFile(p.configFile, yaml(p, STAMPING, '1', true, true));
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    const deploy = await cli(p, ['deploy', '--json']);
    assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);
    const cacheBefore = await service(p, 'cache');
    const [cacheOne] = cacheBefore.live;
    assert.ok(cacheOne?.pid, JSON.stringify(cacheBefore));
    assert.equal(await page(cacheOne.port), 200, 'busybox httpd answers');
    const first = await store(p);
    const [one] = first.live;
    assert.ok(one?.pid, JSON.stringify(first));
    assert.deepEqual(await starts(one.port), [String(one.pid)]);
    const deployments = (await cli(p, ['history', 'store', '--json'])).json.deployments.length;

    // The process dies: the supervisor starts the same instance again (same release, port, volume).
    process.kill(one.pid, 'SIGKILL');
    const again = await waitFor('the store to be restarted in place', async () => {
      const s = await store(p);
      const i = s.live[0];
      return i && i.state === 'healthy' && i.pid !== one.pid ? { s, i } : undefined;
    });
    assert.equal(again.s.active, 'r1');
    assert.deepEqual(again.s.live.map((i) => `${i.id} ${i.release} ${i.port}`), [`${one.id} r1 ${one.port}`], 'one instance, the same one, on its port');
    assert.deepEqual(await starts(one.port), [String(one.pid), String(again.i.pid)], 'the restart wrote into the same volume');

    // Found dead when the daemon starts: started again in place too.
    assert.equal((await cli(p, ['stop', '--keep-apps'])).code, 0);
    assert.ok(again.i.pid && isAlive(again.i.pid), 'the store outlives the daemon');
    process.kill(again.i.pid ?? 0, 'SIGKILL');
    await waitFor('the store to die', () => (isAlive(again.i.pid ?? 0) ? undefined : true));
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    const third = await waitFor('the store to be restarted after the daemon start', async () => {
      const s = await store(p);
      const i = s.live[0];
      return i && i.state === 'healthy' && i.pid !== again.i.pid ? { s, i } : undefined;
    });
    assert.deepEqual(third.s.live.map((i) => `${i.id} ${i.release} ${i.port}`), [`${one.id} r1 ${one.port}`]);
    assert.deepEqual(await starts(one.port), [String(one.pid), String(again.i.pid), String(third.i.pid)]);
    // The other accessory was never touched: the same process on the same port throughout.
    const cacheAfter = await service(p, 'cache');
    assert.deepEqual(cacheAfter.live.map((i) => `${i.id} ${i.pid} ${i.port}`), [`${cacheOne.id} ${cacheOne.pid} ${cacheOne.port}`]);
    assert.equal(await page(cacheOne.port), 200);
    // Never blue-green'd: no deployment was made for either restart.
    assert.equal((await cli(p, ['history', 'store', '--json'])).json.deployments.length, deployments);
  } finally {
    await destroyProject(p);
  }
});
