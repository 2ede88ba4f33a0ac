// Issue 14 acceptance on Podman: SIGKILL of the daemon at the steps of a deploy of a container
// service, under load: 0 failed requests; after a restart the deploy ends completed or
// reverted, every container of the state dir is a live instance the daemon knows (no orphan),
// the lock is free. Same shape as crash-recovery.test.ts, for containers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { cli, daemonLogTail, daemonPid, destroyProject, isAlive, makeProject, waitFor, type Project } from '../helpers/e2e-project.js';
import { LoadGenerator } from '../helpers/load.js';
import { BUSYBOX_IMAGE, PodmanLab } from '../helpers/podman-lab.js';

/** The steps where containers are started, gated, switched to and stopped (each crash costs two daemon starts). */
const CRASH_POINTS = ['start', 'health-gate', 'switch:after', 'drain'];

function config(p: Project, version: number): string {
  return `version: 1
proxy: { http: ${p.port}, host: 127.0.0.1 }
services:
  web:
    image: ${BUSYBOX_IMAGE}
    run: [sh, -c, 'exec httpd -f -p $PORT -h /www']
    routes: [{ host: web.localhost }]
    health: { path: /, interval: 200ms, timeout: 1s, rise: 2, fall: 2, startTimeout: 30s }
    instances: 2
    drain: 1s
    keepWarm: 10m
    watch: 1s
    stopTimeout: 2s
    env: { VERSION: v${version} }
`;
}

test('containers: SIGKILL of the daemon at each container step of a deploy: no failed request, deploy settles, no orphan container, lock free', { timeout: 420_000 }, async () => {
  const lab = await PodmanLab.start();
  const p = await makeProject();
  const env = { SLIPWAY_CONTAINER_SOCKET: lab.socketPath, SLIPWAY_CONTAINER_NETWORK: 'slirp4netns' };
  let load: LoadGenerator | undefined;
  try {
    let version = 1;
    await writeFile(p.configFile, config(p, version));
    assert.equal((await cli(p, ['daemon', '--detach'], env)).code, 0);
    const first = await cli(p, ['deploy']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    load = new LoadGenerator({ port: p.port, host: 'web.localhost', rps: 60, loops: 3 });

    for (const point of CRASH_POINTS) {
      await cli(p, ['stop', '--keep-apps']);
      await waitFor('daemon to stop', async () => {
        const pid = await daemonPid(p);
        return pid === undefined || !isAlive(pid) ? true : undefined;
      });
      const start = await cli(p, ['daemon', '--detach'], { ...env, SLIPWAY_CRASH_AT: point });
      assert.equal(start.code, 0, start.stdout + start.stderr);
      const crashed = await daemonPid(p);
      assert.ok(crashed);
      await writeFile(p.configFile, config(p, ++version));
      const deploy = await cli(p, ['deploy', '--json']);
      assert.notEqual(deploy.code, 0, `the daemon should have died at ${point}: ${deploy.stdout}`);
      await waitFor(`daemon killed at ${point}`, () => (isAlive(crashed) ? undefined : true));

      const restart = await cli(p, ['daemon', '--detach'], env);
      assert.equal(restart.code, 0, `restart after a crash at ${point}: ${restart.stdout}${restart.stderr}\n${await daemonLogTail(p)}`);
      const settled = await waitFor(
        `convergence after a crash at ${point}`,
        async () => {
          const status = await cli(p, ['status', '--json']);
          if (status.code !== 0 || status.json.lock) return undefined;
          const instances: { id: string; state: string; role: string }[] = status.json.services[0].instances;
          const live = instances.filter((i) => ['starting', 'healthy', 'unhealthy', 'draining'].includes(i.state));
          if (live.filter((i) => i.role === 'active' && i.state === 'healthy').length !== 2) return undefined;
          if (live.some((i) => i.role !== 'active' && i.role !== 'warm')) return undefined;
          const labelled = await Promise.all(
            (await lab.containers(`slipway.owner=${p.stateDir}`)).map(async (id) => (await lab.podman(['inspect', '--format', '{{index .Config.Labels "slipway.instance"}}', id])).trim()),
          );
          const ids = live.map((i) => i.id).sort();
          return JSON.stringify(labelled.sort()) === JSON.stringify(ids) ? ids : undefined;
        },
        30_000,
      );
      assert.ok(settled.length >= 2);
      process.stdout.write(`# crash at ${point} settled\n`);
      const history = await cli(p, ['history', '--json', '--limit', '1']);
      assert.ok(['succeeded', 'reverted'].includes(history.json.deployments[0].state), `deployment after a crash at ${point} is ${history.json.deployments[0].state}`);
      assert.equal((await cli(p, ['lock', 'status', '--json'])).json.lock, null, `lock still held after a crash at ${point}`);
    }
    await load.stop();
    assert.deepEqual(load.failures, [], `failed requests: ${JSON.stringify(load.failures.slice(0, 10))}`);
    assert.ok(load.ok > 300, `only ${load.ok} requests served`);
  } finally {
    await load?.stop();
    await destroyProject(p);
    await lab.stop().catch((err: unknown) => process.stdout.write(`# lab stop: ${String(err)}\n`));
  }
});
