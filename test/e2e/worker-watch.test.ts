// The worker watch window, on real processes: a worker's new release that passes its start
// check but then exits (and keeps exiting: a crash loop) within `watch` fails the deploy and is
// reverted, in both replacement modes, without waiting for the rest of the window (30 s by
// default). With `overlap` the old worker never stopped and keeps running; with `stop-first`
// the old release is started again (and never beside the new one). A release that stays up
// through the window is kept, and the old overlapping worker stops when the window ends (it is
// not kept warm: it would go on working). Each worker stamps its starts and beats into its own
// volume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, daemonPid, destroyProject, isAlive, makeProject, waitFor, type Project } from '../helpers/e2e-project.js';
import { workerLives, type WorkerLife } from '../helpers/worker-lives.js';

// Beats every 50 ms; with CRASH_AFTER set it exits with code 7 that many ms after it started.
const TICKER = `
const fs = require('node:fs');
fs.mkdirSync('out', { recursive: true });
const version = process.env.VERSION;
fs.writeFileSync('out/start-' + process.pid, version + ' ' + Date.now());
setInterval(() => fs.writeFileSync('out/beat-' + process.pid, version + ' ' + Date.now()), 50);
if (process.env.CRASH_AFTER) setTimeout(() => process.exit(7), Number(process.env.CRASH_AFTER));
`;

/** `watch` absent: the default window (30 s). */
function yaml(p: Project, version: string, crashAfterMs?: number, watch: string | undefined = '2s'): string {
  const worker = (name: string, replace: string) =>
    [
      `  ${name}:`,
      '    kind: worker',
      '    source: ./ticker',
      '    run: node ticker.js',
      `    env: { VERSION: "${version}"${crashAfterMs === undefined ? '' : `, CRASH_AFTER: "${crashAfterMs}"`} }`,
      `    volumes: { ${name}-out: { path: ./out } }`,
      ...(replace ? [`    replace: ${replace}`] : []),
      // Passes its check after 3 × 100 ms running.
      '    health: { interval: 100ms, rise: 3, startTimeout: 10s }',
      ...(watch === undefined ? [] : [`    watch: ${watch}`]),
      // keepWarm stays at its default (10m): a worker's old release is not kept running for it.
      '    stopTimeout: 2s',
    ].join('\n');
  return `version: 1\nproxy: { http: ${p.port}, host: 127.0.0.1 }\nservices:\n${worker('alone', 'stop-first')}\n${worker('overlap', '')}\n`;
}

type Life = WorkerLife;
const lives = (p: Project, volume: string): Promise<Life[]> => workerLives(p.stateDir, volume);

type Instance = { release: string; state: string; pid?: number };
async function workers(p: Project): Promise<Record<string, { active: string; live: Instance[] }>> {
  const status = await cli(p, ['status', '--json']);
  const out: Record<string, { active: string; live: Instance[] }> = {};
  for (const s of status.json.services as { name: string; activeRelease: string; instances: Instance[] }[]) {
    out[s.name] = { active: s.activeRelease, live: s.instances.filter((i) => ['starting', 'healthy', 'unhealthy', 'draining'].includes(i.state)) };
  }
  return out;
}

/** The ticker app and v1 of both workers (or of the named ones), deployed on a fresh daemon. */
async function firstDeploy(p: Project, only: readonly string[]): Promise<void> {
  await mkdir(join(p.dir, 'ticker'), { recursive: true });
  await writeFile(join(p.dir, 'ticker', 'ticker.js'), TICKER);
  await writeFile(p.configFile, yaml(p, 'v1'));
  assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
  const first = await cli(p, ['deploy', ...only, '--json']);
  assert.equal(first.code, 0, first.stdout + first.stderr);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a worker that exits within its watch window is reverted (overlap and stop-first); one that stays up is kept', { timeout: 150_000 }, async () => {
  const p = await makeProject();
  try {
    await firstDeploy(p, []);

    // v2 passes its start check (300 ms), then exits 1.5 s after it started, and again after each restart.
    await writeFile(p.configFile, yaml(p, 'v2', 1500, undefined));
    // One service at a time, so that neither is cut short by the other's failure in a stack deploy.
    for (const name of ['alone', 'overlap']) {
      const started = Date.now();
      const bad = await cli(p, ['deploy', name, '--json']);
      assert.notEqual(bad.code, 0, `the deploy of ${name} must fail: ${bad.stdout}`);
      assert.ok(Date.now() - started < 25_000, `${name}: the exit ends the 30 s window early (${Date.now() - started} ms)`);
      const h = await cli(p, ['history', name, '--json', '--limit', '1']);
      const d = h.json.deployments[0];
      assert.equal(d.state, 'reverted', JSON.stringify(d));
      assert.equal(d.errorCode, 'SLW_DEPLOY_REVERTED');
      assert.match(d.reason, /exited after the switch \(exited with code 7\)/, d.reason);
    }
    await sleep(1500);
    const after = await workers(p);
    for (const name of ['alone', 'overlap']) {
      const w = after[name];
      assert.equal(w?.active, 'r1', `${name} is back on r1`);
      assert.deepEqual(w?.live.map((i) => `${i.release} ${i.state}`), ['r1 healthy'], `${name}: only r1 runs: ${JSON.stringify(w?.live)}`);
      const pid = w?.live[0]?.pid;
      assert.ok(pid && isAlive(pid), `${name}'s r1 worker runs`);
    }
    const now = Date.now();
    for (const name of ['alone', 'overlap']) {
      const seen = await lives(p, `${name}-out`);
      const v2 = seen.filter((l) => l.version === 'v2');
      assert.ok(v2.length >= 1, `${name}: v2 ran: ${JSON.stringify(seen)}`);
      for (const l of v2) assert.ok(!isAlive(l.pid), `${name}: no v2 process is left (${l.pid})`);
      const v1 = seen.filter((l) => l.version === 'v1');
      assert.ok((v1.at(-1)?.last ?? 0) > now - 1000, `${name}: a v1 worker beats now`);
    }
    const alone = await lives(p, 'alone-out');
    const overlap = await lives(p, 'overlap-out');
    // overlap: the old worker was never stopped, so v1 has one process only; the v2 one started beside it.
    assert.equal(overlap.filter((l) => l.version === 'v1').length, 1, JSON.stringify(overlap));
    // stop-first: v1 was stopped for v2 and started again once v2 was reverted; never two at once.
    assert.equal(alone.filter((l) => l.version === 'v1').length, 2, JSON.stringify(alone));
    for (let n = 1; n < alone.length; n++) {
      const [a, b] = [alone[n - 1], alone[n]] as [Life, Life];
      assert.ok(a.last <= b.start + 60, `stop-first: ${a.version}/${a.pid} last beat ${a.last} before ${b.version}/${b.pid} started ${b.start}`);
    }

    // v3 stays up through the window: the deploy succeeds and v3 runs.
    await writeFile(p.configFile, yaml(p, 'v3'));
    const good = await cli(p, ['deploy', '--json']);
    assert.equal(good.code, 0, good.stdout + good.stderr);
    const kept = await workers(p);
    for (const name of ['alone', 'overlap']) {
      assert.equal(kept[name]?.active, 'r3', `${name} moved to r3`);
      assert.ok(kept[name]?.live.some((i) => i.release === 'r3' && i.state === 'healthy'), JSON.stringify(kept[name]));
    }
    // overlap: the v1 worker ran through v3's window (it beat after v3 started), then stopped, keepWarm or not.
    const v3Start = (await lives(p, 'overlap-out')).find((l) => l.version === 'v3')?.start ?? Infinity;
    const oldOne = (await lives(p, 'overlap-out')).filter((l) => l.version === 'v1').at(-1);
    assert.ok(oldOne && oldOne.last > v3Start, `the v1 worker beat after v3 started (${oldOne?.last} > ${v3Start})`);
    await waitFor('the v1 overlap worker to stop after the window', () => (oldOne && isAlive(oldOne.pid) ? undefined : true), 10_000);
    const settled = await workers(p);
    assert.deepEqual(settled['overlap']?.live.map((i) => i.release), ['r3'], 'only r3 runs: the old worker is not kept warm');
    await cli(p, ['daemon', 'stop']);
  } finally {
    await destroyProject(p);
  }
});

/** A deploy of `alone` with the daemon set to die as the watch window opens; then the daemon is started again. */
async function crashInWindow(p: Project, meanwhile: () => Promise<void>): Promise<void> {
  const stop = await cli(p, ['stop', '--keep-apps']);
  assert.equal(stop.code, 0, stop.stdout + stop.stderr);
  const start = await cli(p, ['daemon', '--detach'], { SLIPWAY_CRASH_AT: 'watch' });
  assert.equal(start.code, 0, start.stdout + start.stderr);
  const crashed = await daemonPid(p);
  assert.ok(crashed);
  const deploy = await cli(p, ['deploy', 'alone', '--json']);
  assert.notEqual(deploy.code, 0, `the daemon should have died: ${deploy.stdout}`);
  await waitFor('the daemon to die', () => (isAlive(crashed) ? undefined : true));
  await meanwhile();
  const restart = await cli(p, ['daemon', '--detach']);
  assert.equal(restart.code, 0, restart.stdout + restart.stderr);
}

test('a daemon killed in a stop-first worker\'s watch window: the new release stays if it runs, else the previous one starts again', { timeout: 150_000 }, async () => {
  const p = await makeProject();
  try {
    await firstDeploy(p, ['alone']);

    // v2 runs when the daemon comes back: the deploy is finished, v2 is the one worker.
    await writeFile(p.configFile, yaml(p, 'v2'));
    await crashInWindow(p, async () => undefined);
    const h2 = (await cli(p, ['history', 'alone', '--json', '--limit', '1'])).json.deployments[0];
    assert.equal(h2.state, 'succeeded', JSON.stringify(h2));
    assert.match(h2.reason, /finished after a daemon restart/);
    const two = (await workers(p))['alone'];
    assert.equal(two?.active, 'r2');
    assert.deepEqual(two?.live.map((i) => `${i.release} ${i.state}`), ['r2 healthy'], `after the finished deploy: ${JSON.stringify(two)} ${JSON.stringify(h2)}`);

    // v3's process dies while the daemon is down: at boot v3 is stopped and v2 started again.
    await writeFile(p.configFile, yaml(p, 'v3'));
    await crashInWindow(p, async () => {
      const v3 = (await lives(p, 'alone-out')).filter((l) => l.version === 'v3');
      assert.equal(v3.length, 1, JSON.stringify(v3));
      process.kill(v3[0]?.pid ?? 0, 'SIGKILL');
      await waitFor('v3 to die', () => (isAlive(v3[0]?.pid ?? 0) ? undefined : true));
    });
    const h3 = (await cli(p, ['history', 'alone', '--json', '--limit', '1'])).json.deployments[0];
    assert.equal(h3.state, 'reverted', JSON.stringify(h3));
    assert.equal(h3.errorCode, 'SLW_DEPLOY_INTERRUPTED');
    const three = (await workers(p))['alone'];
    assert.equal(three?.active, 'r2');
    assert.deepEqual(three?.live.map((i) => `${i.release} ${i.state}`), ['r2 healthy'], `after the reverted deploy: ${JSON.stringify(three)} ${JSON.stringify(h3)}`);
    const alive = (await lives(p, 'alone-out')).filter((l) => isAlive(l.pid));
    assert.deepEqual(alive.map((l) => l.version), ['v2'], 'one worker runs, v2');
    assert.equal((await cli(p, ['lock', 'status', '--json'])).json.lock, null);
    await cli(p, ['daemon', 'stop']);
  } finally {
    await destroyProject(p);
  }
});
