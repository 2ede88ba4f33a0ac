// Issue 14: a config imported from a compose file deploys. The compose file has a Dockerfile
// web service (busybox httpd, hardened: read-only root with a tmpfs, a non-root user, limits),
// a worker from an image, and nginx in front (not imported: slipway's proxy takes its place).
// It is imported, checked, deployed on a private Podman (no registry) and answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { cli, destroyProject, makeProject } from '../helpers/e2e-project.js';
import { BUSYBOX_IMAGE, PodmanLab } from '../helpers/podman-lab.js';
import { httpAnswer } from '../helpers/http-answer.js';

const COMPOSE = `services:
  proxy:
    image: nginx:1.27-alpine
    ports: ["80:80"]
    depends_on: [web]
  web:
    build: { context: ./web }
    command: ["sh", "-c", "exec httpd -f -p $$PORT -h /www"]
    ports: ["8080:80"]
    environment:
      GREETING: hello
      ADMIN_PASSWORD: compose-literal-value
    read_only: true
    tmpfs: [/tmp]
    user: "1000:1000"
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://localhost:80/"]
      interval: 1s
      timeout: 1s
    deploy:
      resources:
        limits: { memory: 64M, pids: 50 }
    restart: always
  worker:
    image: ${BUSYBOX_IMAGE}
    command: sleep 3600
    depends_on: [web]
`;

test('import compose: the imported config passes check and deploys on Podman, nginx left to slipway\'s proxy', { timeout: 180_000 }, async () => {
  const lab = await PodmanLab.start();
  const p = await makeProject();
  const env = { SLIPWAY_CONTAINER_SOCKET: lab.socketPath, SLIPWAY_CONTAINER_NETWORK: 'slirp4netns' };
  try {
    await mkdir(join(p.dir, 'web', 'www'), { recursive: true });
    await writeFile(join(p.dir, 'web', 'Dockerfile'), `FROM ${BUSYBOX_IMAGE}\nCOPY www /www\n`);
    await writeFile(join(p.dir, 'web', 'www', 'index.html'), 'imported from compose\n');
    await writeFile(join(p.dir, 'docker-compose.yml'), COMPOSE);
    const imported = await cli(p, ['import', 'compose', join(p.dir, 'docker-compose.yml'), '--domain', 'web.localhost', '--force', '--json']);
    assert.equal(imported.code, 0, imported.stdout + imported.stderr);
    assert.deepEqual(imported.json.services, ['web', 'worker']);
    assert.deepEqual(imported.json.secrets, ['ADMIN_PASSWORD']);
    assert.ok(imported.json.untranslated.some((u: { path: string }) => u.path === 'services.proxy'));
    // The one edit a user makes for this machine: where the proxy listens.
    const cfg = parse(await readFile(p.configFile, 'utf8'));
    assert.deepEqual(cfg.services.web.routes, [{ host: 'web.localhost' }]);
    assert.equal(cfg.services.web.run[2], 'exec httpd -f -p $PORT -h /www');
    cfg.proxy = { http: p.port, host: '127.0.0.1' };
    await writeFile(p.configFile, stringify(cfg));
    await writeFile(join(p.dir, 'admin.txt'), 'a-value-set-by-the-user');
    assert.equal((await cli(p, ['secrets', 'set', 'ADMIN_PASSWORD', '--from-file', join(p.dir, 'admin.txt')])).code, 0);
    const check = await cli(p, ['check']);
    assert.equal(check.code, 0, check.stdout + check.stderr);

    const daemon = await cli(p, ['daemon', '--detach'], env);
    assert.equal(daemon.code, 0, daemon.stdout + daemon.stderr);
    const deploy = await cli(p, ['deploy', '--json']);
    assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);
    const res = await httpAnswer({ host: '127.0.0.1', port: p.port, path: '/', headers: { host: 'web.localhost' } });
    assert.equal(`${res.status} ${res.body.trim()}`, '200 imported from compose');
    const ids = await lab.containers(`slipway.owner=${p.stateDir}`);
    const running = await Promise.all(ids.map(async (id) => (await lab.podman(['inspect', '--format', '{{index .Config.Labels "slipway.service"}} {{.Config.User}} {{.HostConfig.ReadonlyRootfs}} {{.HostConfig.Memory}} {{.State.Status}}', id])).trim()));
    assert.ok(running.includes(`web 1000:1000 true ${64 * 1024 * 1024} running`), `web runs hardened as imported: ${running.join(' | ')}`);
    assert.ok(running.some((r) => r.startsWith('worker ') && r.endsWith(' running')), `the worker runs: ${running.join(' | ')}`);
    assert.equal((await lab.containers('slipway.service=proxy')).length, 0, 'nginx is not run');
  } finally {
    await destroyProject(p);
    await lab.stop();
  }
});
