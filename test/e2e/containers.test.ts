// Issue 14 acceptance on Podman (its Docker Engine API, a private instance): an app of two
// Dockerfile services (busybox httpd, FROM an image put on the engine with `podman import`,
// no registry anywhere) deployed, changed, deployed and rolled back to the previous image
// under load with 0 failed requests; a SIGKILL of the daemon during a deploy leaves no orphan
// container once it is back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, daemonPid, destroyProject, isAlive, makeProject, waitFor, type Project } from '../helpers/e2e-project.js';
import { LoadGenerator } from '../helpers/load.js';
import { BUSYBOX_IMAGE, PodmanLab } from '../helpers/podman-lab.js';
import { httpAnswer } from '../helpers/http-answer.js';

const SERVICES = ['web', 'api'] as const;

function dockerfile(): string {
  return [`FROM ${BUSYBOX_IMAGE}`, 'COPY www /www', 'CMD ["sh", "-c", "exec httpd -f -p $PORT -h /www"]', ''].join('\n');
}

function config(p: Project): string {
  const service = (name: string) =>
    [
      `  ${name}:`,
      `    dockerfile: ${name}/Dockerfile`,
      `    routes: [{ host: ${name}.localhost }]`,
      '    health: { path: /, interval: 200ms, timeout: 1s, rise: 2, fall: 2, startTimeout: 30s }',
      '    instances: 1',
      '    drain: 1s',
      '    keepWarm: 10m',
      '    watch: 1s',
      '    stopTimeout: 2s',
    ].join('\n');
  return `version: 1\nproxy:\n  http: ${p.port}\n  host: 127.0.0.1\nservices:\n${SERVICES.map(service).join('\n')}\n`;
}

async function setContent(p: Project, version: string): Promise<void> {
  for (const name of SERVICES) {
    await mkdir(join(p.dir, name, 'www'), { recursive: true });
    await writeFile(join(p.dir, name, 'Dockerfile'), dockerfile());
    await writeFile(join(p.dir, name, 'www', 'index.html'), `${name} ${version}\n`);
  }
}

async function body(p: Project, host: string): Promise<string> {
  const res = await httpAnswer({ host: '127.0.0.1', port: p.port, path: '/', headers: { host } });
  return `${res.status} ${res.body.trim()}`;
}

test('containers: Dockerfile app of two services deployed, changed, rolled back under load (0 failed requests); SIGKILL mid-deploy leaves no orphan container', { timeout: 240_000 }, async () => {
  const lab = await PodmanLab.start();
  const p = await makeProject();
  const env = { SLIPWAY_CONTAINER_SOCKET: lab.socketPath, SLIPWAY_CONTAINER_NETWORK: 'slirp4netns' };
  const loads: LoadGenerator[] = [];
  try {
    await writeFile(p.configFile, config(p));
    await setContent(p, 'v1');
    assert.equal((await cli(p, ['check'])).code, 0);
    const daemon = await cli(p, ['daemon', '--detach'], env);
    assert.equal(daemon.code, 0, daemon.stdout + daemon.stderr);
    const first = await cli(p, ['deploy', '--json']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(await body(p, 'web.localhost'), '200 web v1');
    assert.equal(await body(p, 'api.localhost'), '200 api v1');

    for (const name of SERVICES) loads.push(new LoadGenerator({ port: p.port, host: `${name}.localhost`, rps: 40, loops: 2 }));
    await setContent(p, 'v2');
    const second = await cli(p, ['deploy', '--json']);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.equal(await body(p, 'web.localhost'), '200 web v2');
    assert.equal(await body(p, 'api.localhost'), '200 api v2');
    const images = (await lab.podman(['images', '--format', '{{.Repository}}:{{.Tag}}'])).split('\n').filter((l) => l.includes('/default-') || l.includes('-web:') || l.includes('-api:'));
    assert.equal(images.filter((i) => /-web:r\d+$/.test(i)).length, 2, `one image per release of web: ${images.join(', ')}`);

    const started = Date.now();
    const rollback = await cli(p, ['rollback', 'web', '--json']);
    const rollbackMs = Date.now() - started;
    assert.equal(rollback.code, 0, rollback.stdout + rollback.stderr);
    assert.equal(await body(p, 'web.localhost'), '200 web v1', 'the previous image serves again');
    assert.equal(await body(p, 'api.localhost'), '200 api v2');
    process.stdout.write(`# rollback to the warm previous image: ${rollbackMs} ms (CLI round trip)\n`);
    for (const load of loads) await load.stop();
    const served = loads.reduce((n, l) => n + l.ok, 0);
    assert.deepEqual(loads.flatMap((l) => l.failures), [], 'no failed request during deploy and rollback');
    assert.ok(served > 100, `only ${served} requests served`);

    // SIGKILL of the daemon once the new instances are started, then a restart: nothing left behind.
    await cli(p, ['stop', '--keep-apps']);
    await waitFor('daemon to stop', async () => {
      const pid = await daemonPid(p);
      return pid === undefined || !isAlive(pid) ? true : undefined;
    });
    const crashing = await cli(p, ['daemon', '--detach'], { ...env, SLIPWAY_CRASH_AT: 'health-gate' });
    assert.equal(crashing.code, 0, crashing.stdout + crashing.stderr);
    const crashed = await daemonPid(p);
    assert.ok(crashed);
    await setContent(p, 'v3');
    const killed = await cli(p, ['deploy', 'api', '--json']);
    assert.notEqual(killed.code, 0, `the daemon should have died: ${killed.stdout}`);
    await waitFor('daemon killed', () => (isAlive(crashed) ? undefined : true));
    assert.equal((await cli(p, ['daemon', '--detach'], env)).code, 0);
    const live = await waitFor(
      'convergence after the crash',
      async () => {
        const status = await cli(p, ['status', '--json']);
        if (status.code !== 0 || status.json.lock) return undefined;
        const ids: string[] = status.json.services.flatMap((s: { instances: { id: string; state: string }[] }) =>
          s.instances.filter((i) => ['starting', 'healthy', 'unhealthy', 'draining'].includes(i.state)).map((i) => i.id),
        );
        const containers = await lab.containers(`slipway.owner=${p.stateDir}`);
        return containers.length === ids.length ? { ids, containers } : undefined;
      },
      30_000,
    );
    const labelled = await Promise.all(live.containers.map(async (id) => (await lab.podman(['inspect', '--format', '{{index .Config.Labels "slipway.instance"}}', id])).trim()));
    assert.deepEqual(labelled.sort(), [...live.ids].sort(), 'every container is a live instance the daemon knows');
    assert.match(await body(p, 'api.localhost'), /^200 api v[23]$/);
    assert.equal(await body(p, 'web.localhost'), '200 web v1');
  } finally {
    for (const load of loads) await load.stop();
    await destroyProject(p);
    await lab.stop();
  }
});
