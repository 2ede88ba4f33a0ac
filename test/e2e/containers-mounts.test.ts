// Issue 14 on Podman: an `image:` service gets its secret files as a read-only mount (the path
// inside the container in NAME_FILE, no host path, no value in the container's config) and its
// volume as a bind mount that outlives releases; an image missing, a failing build and an
// engine that is away are coded errors that change nothing, the old release serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, destroyProject, makeProject, type CliResult, type Project } from '../helpers/e2e-project.js';
import { BUSYBOX_IMAGE, PodmanLab } from '../helpers/podman-lab.js';
import { httpAnswer } from '../helpers/http-answer.js';
import { projectNameOfDir } from '../../src/config/project-name.js';

function config(p: Project, source: string, note = 'v1'): string {
  return `version: 1
proxy: { http: ${p.port}, host: 127.0.0.1 }
secrets:
  JWT_SECRET: { generate: { kind: hex, bytes: 32 } }
services:
  web:
${source}
    run: [sh, -c, 'exec httpd -f -p $PORT -h /www']
    routes: [{ host: web.localhost }]
    health: { path: /, interval: 200ms, timeout: 1s, rise: 2, fall: 2, startTimeout: 30s }
    instances: 1
    drain: 1s
    watch: 1s
    stopTimeout: 2s
    env: { NOTE: ${note} }
    secretFiles: [JWT_SECRET]
    volumes:
      data: { path: /data }
`;
}

const image = (ref: string) => `    image: ${ref}`;

async function serves(p: Project): Promise<string> {
  const res = await httpAnswer({ host: '127.0.0.1', port: p.port, path: '/', headers: { host: 'web.localhost' } });
  return `${res.status} ${res.body.trim()}`;
}

test('containers: secret files mounted read-only, volumes bound and kept; image missing, build failure, engine away are coded and change nothing', { timeout: 180_000 }, async () => {
  const lab = await PodmanLab.start();
  const p = await makeProject();
  const env = { SLIPWAY_CONTAINER_SOCKET: lab.socketPath, SLIPWAY_CONTAINER_NETWORK: 'slirp4netns' };
  const owner = `slipway.owner=${p.stateDir}`;
  try {
    await writeFile(p.configFile, config(p, image(BUSYBOX_IMAGE)));
    assert.equal((await cli(p, ['secrets', 'generate', 'JWT_SECRET'])).code, 0);
    assert.equal((await cli(p, ['daemon', '--detach'], env)).code, 0);
    const first = await cli(p, ['deploy', '--json']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(await serves(p), '200 hello from busybox');
    const [container] = await lab.containers(owner);
    assert.ok(container);
    const exec = (script: string) => lab.podman(['exec', container, 'sh', '-c', script]);

    // Secret file: at the container's path, readable, not writable; the container's config holds neither the value nor a host path.
    assert.equal((await exec('echo $JWT_SECRET_FILE')).trim(), '/run/secrets/slipway/JWT_SECRET');
    const secret = (await exec('cat $JWT_SECRET_FILE')).trim();
    assert.match(secret, /^[0-9a-f]{64}$/);
    await assert.rejects(exec('echo x > $JWT_SECRET_FILE'), /Read-only file system/);
    const inspected = await lab.podman(['inspect', container]);
    assert.ok(!inspected.includes(secret), 'no secret value in the container config');
    assert.ok(!JSON.parse(inspected)[0].Config.Env.some((e: string) => e.includes(p.stateDir)), 'no host path in the container env');

    // Volume: written from inside, on the host under the state dir.
    await exec('echo kept > /data/note');
    const volume = join(p.stateDir, 'volumes', projectNameOfDir(p.dir), 'data');
    assert.equal((await readFile(join(volume, 'note'), 'utf8')).trim(), 'kept');

    const unchanged = async (what: string, result: CliResult, code: string) => {
      assert.notEqual(result.code, 0, `${what}: ${result.stdout}`);
      assert.ok(result.stdout.includes(code), `${what}: expected ${code} in ${result.stdout}`);
      assert.deepEqual(await lab.containers(owner), [container], `${what}: the old container alone runs`);
      assert.equal(await serves(p), '200 hello from busybox', `${what}: the old release serves`);
    };
    await writeFile(p.configFile, config(p, image('localhost/no-such-image:1')));
    await unchanged('image missing', await cli(p, ['deploy', '--json']), 'SLW_DRIVER_IMAGE_MISSING');

    await mkdir(join(p.dir, 'bad'), { recursive: true });
    await writeFile(join(p.dir, 'bad', 'Dockerfile'), `FROM ${BUSYBOX_IMAGE}\nCOPY not-there /x\n`);
    await writeFile(p.configFile, config(p, '    dockerfile: bad/Dockerfile'));
    const broken = await cli(p, ['deploy', '--json']);
    await unchanged('build failure', broken, 'SLW_DRIVER_BUILD_FAILED');
    assert.match(broken.stdout, /not-there/, 'the build\'s last lines say why');

    await writeFile(p.configFile, config(p, image(BUSYBOX_IMAGE), 'v2'));
    await lab.stopService();
    const away = await cli(p, ['deploy', '--json']);
    await lab.startService();
    await unchanged('engine away', away, 'SLW_DRIVER_ENGINE_UNREACHABLE');

    // A new release (engine back): a new container sees what the old one wrote.
    const next = await cli(p, ['deploy', '--json']);
    assert.equal(next.code, 0, next.stdout + next.stderr);
    const now = await lab.containers(owner);
    const fresh = now.find((id) => id !== container);
    assert.ok(fresh, 'a new container runs the new release');
    assert.equal((await lab.podman(['exec', fresh, 'cat', '/data/note'])).trim(), 'kept');
  } finally {
    await destroyProject(p);
    await lab.stop();
  }
});
