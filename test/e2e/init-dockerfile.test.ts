// Issue 17, `init` for a Dockerfile app: in a folder holding only a Dockerfile (busybox httpd,
// FROM an image put on a private Podman with `podman import`, no registry), `slipway init`
// writes a container service that `check` accepts and `deploy` brings up behind the proxy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, destroyProject, makeProject } from '../helpers/e2e-project.js';
import { BUSYBOX_IMAGE, PodmanLab } from '../helpers/podman-lab.js';
import { httpAnswer } from '../helpers/http-answer.js';

test('init on a folder with only a Dockerfile: a container service that check accepts and deploy serves', { timeout: 180_000 }, async () => {
  const lab = await PodmanLab.start();
  const p = await makeProject();
  try {
    await rm(p.appDir, { recursive: true, force: true });
    await rm(p.configFile, { force: true });
    // Not index.html: a folder of web pages alone would be read as a static site.
    await mkdir(join(p.dir, 'content'));
    await writeFile(join(p.dir, 'content', 'hello.txt'), 'boxed app\n');
    await writeFile(join(p.dir, 'Dockerfile'), [`FROM ${BUSYBOX_IMAGE}`, 'COPY content /www', 'CMD ["sh", "-c", "exec httpd -f -p $PORT -h /www"]', ''].join('\n'));

    const init = await cli(p, ['init']);
    assert.equal(init.code, 0, init.stdout + init.stderr);
    const written = await readFile(p.configFile, 'utf8');
    assert.match(written, /^ {4}dockerfile: \.\/Dockerfile/m, written);
    assert.doesNotMatch(written, /^ {4}run:/m, 'a container service has no run command');
    const host = /^ {6}- host: (\S+)/m.exec(written)?.[1];
    assert.ok(host, written);
    // The proxy on this test's free port, and a 1s watch window instead of 30s, as a user would edit.
    const edited = written
      .replace(/^ {2}http: 8080.*$/m, `  http: ${p.port}\n  host: 127.0.0.1`)
      .replace(/^ {4}instances: 1$/m, '    instances: 1\n    watch: 1s');
    assert.notEqual(edited, written);
    await writeFile(p.configFile, edited);

    const check = await cli(p, ['check']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    const env = { SLIPWAY_CONTAINER_SOCKET: lab.socketPath, SLIPWAY_CONTAINER_NETWORK: 'slirp4netns' };
    const daemon = await cli(p, ['daemon', '--detach'], env);
    assert.equal(daemon.code, 0, daemon.stdout + daemon.stderr);
    const deploy = await cli(p, ['deploy', '--json']);
    assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);
    const res = await httpAnswer({ host: '127.0.0.1', port: p.port, path: '/hello.txt', headers: { host } });
    assert.equal(`${res.status} ${res.body.trim()}`, '200 boxed app');
    assert.equal((await lab.containers(`slipway.owner=${p.stateDir}`)).length, 1, 'one container serves the app');
  } finally {
    await destroyProject(p);
    await lab.stop();
  }
});
