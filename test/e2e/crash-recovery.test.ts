// Acceptance 2: SIGKILL of the daemon at each engine step of a deploy, under load:
// 0 failed requests; after restart the deploy ends completed or reverted, no orphan
// processes, lock free.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, daemonLogTail, daemonPid, destroyProject, instancePids, isAlive, makeProject, setVersion, waitFor, type Project } from '../helpers/e2e-project.js';
import { LoadGenerator } from '../helpers/load.js';
import { DEPLOY_STEPS } from '../../src/engine/deployment-state.js';

const CRASH_POINTS = [...DEPLOY_STEPS, 'switch:after', 'watch:after'];

interface StatusInstance {
  pid?: number;
  state: string;
  role: string;
}

async function converged(p: Project): Promise<{ pids: number[]; active: string } | undefined> {
  const status = await cli(p, ['status', '--json']);
  if (status.code !== 0) return undefined;
  if (status.json.lock) return undefined;
  const web = status.json.services[0];
  const instances: StatusInstance[] = web.instances;
  const live = instances.filter((i) => ['starting', 'healthy', 'unhealthy', 'draining'].includes(i.state));
  if (live.some((i) => i.role !== 'active' && i.role !== 'warm')) return undefined;
  if (live.filter((i) => i.role === 'active' && i.state === 'healthy').length !== 2) return undefined;
  const pids = live.map((i) => i.pid ?? -1).sort((a, b) => a - b);
  const running = await instancePids(p);
  if (JSON.stringify(pids) !== JSON.stringify(running)) return undefined;
  return { pids, active: web.activeRelease };
}

test('SIGKILL of the daemon at every deploy step: no failed request, deploy settles, no orphans, lock free', { timeout: 900_000 }, async () => {
  const p = await makeProject({ instances: 2, watch: '1s', drain: '3s', keepWarm: '10m' });
  let load: LoadGenerator | undefined;
  try {
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    await setVersion(p, 'v1');
    assert.equal((await cli(p, ['deploy'])).code, 0);
    await setVersion(p, 'v2');
    assert.equal((await cli(p, ['deploy'])).code, 0);
    load = new LoadGenerator({ port: p.port, host: 'hello.localhost', rps: 250, loops: 6, slow: 2, slowMs: 2000 });

    let version = 2;
    for (const point of CRASH_POINTS) {
      await cli(p, ['stop', '--keep-apps']);
      await waitFor('daemon to stop', async () => {
        const pid = await daemonPid(p);
        return pid === undefined || !isAlive(pid) ? true : undefined;
      });
      const start = await cli(p, ['daemon', '--detach'], { SLIPWAY_CRASH_AT: point });
      assert.equal(start.code, 0, start.stdout + start.stderr);
      const crashed = await daemonPid(p);
      assert.ok(crashed);
      await setVersion(p, `v${++version}`);
      const deploy = await cli(p, ['deploy', '--json']);
      assert.notEqual(deploy.code, 0, `the daemon should have died at ${point}: ${deploy.stdout}`);
      await waitFor(`daemon killed at ${point}`, () => (isAlive(crashed) ? undefined : true));

      const restart = await cli(p, ['daemon', '--detach']);
      assert.equal(restart.code, 0, `restart after a crash at ${point}: ${restart.stdout}${restart.stderr}\n${await daemonLogTail(p)}`);
      const settled = await waitFor(`convergence after a crash at ${point}`, () => converged(p), 30_000);
      const history = await cli(p, ['history', '--json', '--limit', '1']);
      const last = history.json.deployments[0];
      assert.ok(['succeeded', 'reverted'].includes(last.state), `deployment after a crash at ${point} is ${last.state}`);
      const lock = await cli(p, ['lock', 'status', '--json']);
      assert.equal(lock.json.lock, null, `lock still held after a crash at ${point}`);
      assert.ok(settled.pids.length >= 2);
      await sleep(200);
    }
    await load.stop();
    assert.deepEqual(load.failures, [], `failed requests: ${JSON.stringify(load.failures.slice(0, 10))}`);
    assert.ok(load.ok > 1000, `only ${load.ok} requests served`);
  } finally {
    await load?.stop();
    await destroyProject(p);
  }
});
