// Issue 14 acceptance on Podman (its Docker Engine API, a private instance): an app of two
// Dockerfile services (busybox httpd, FROM an image put on the engine with `podman import`,
// no registry anywhere) deployed, changed, deployed and rolled back to the previous image
// under load with 0 failed requests (SIGKILL during deploys: containers-crash.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, destroyProject, makeProject, type Project } from '../helpers/e2e-project.js';
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

test('containers: Dockerfile app of two services deployed, changed, rolled back to the previous image under load, 0 failed requests, no registry', { timeout: 180_000 }, async () => {
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
    const images = (await lab.podman(['images', '--format', '{{.Repository}}:{{.Tag}}'])).split('\n');
    assert.equal(images.filter((i) => /^localhost\/slipway-[0-9a-f]{8}\/[a-z0-9-]+-web:r\d+$/.test(i)).length, 2, `one image per release of web: ${images.join(', ')}`);
    const warm = await lab.containers(`slipway.owner=${p.stateDir}`).then((ids) => Promise.all(ids.map(async (id) => [id, (await lab.podman(['inspect', '--format', '{{index .Config.Labels "slipway.service"}}/{{index .Config.Labels "slipway.release"}}', id])).trim()] as const)));
    const warmWeb = warm.filter(([, label]) => label === 'web/r1').map(([id]) => id);
    assert.equal(warmWeb.length, 1, `the previous web release stays warm: ${JSON.stringify(warm)}`);

    const started = Date.now();
    const rollback = await cli(p, ['rollback', 'web', '--json']);
    const rollbackMs = Date.now() - started;
    assert.equal(rollback.code, 0, rollback.stdout + rollback.stderr);
    assert.equal(await body(p, 'web.localhost'), '200 web v1', 'the previous image serves again');
    assert.equal(await body(p, 'api.localhost'), '200 api v2');
    process.stdout.write(`# rollback to the warm previous image: ${rollbackMs} ms (CLI round trip)\n`);
    assert.ok((await lab.containers('slipway.release=r1')).includes(warmWeb[0] ?? ''), 'rollback switched to the warm container: nothing rebuilt or restarted');
    assert.ok(rollbackMs < 5000, `rollback to a warm release took ${rollbackMs} ms`);
    for (const load of loads) await load.stop();
    const served = loads.reduce((n, l) => n + l.ok, 0);
    assert.deepEqual(loads.flatMap((l) => l.failures), [], 'no failed request during deploy and rollback');
    assert.ok(served > 100, `only ${served} requests served`);
  } finally {
    for (const load of loads) await load.stop();
    await destroyProject(p);
    await lab.stop();
  }
});
