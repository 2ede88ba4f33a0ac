// The control API from a script, with no slipway CLI in the way (docs/cli.md, "The control API
// from scripts"): curl over the daemon's socket (mode 0600) deploys two services (a Node app and
// python's http.server) and reads the steps as they stream, deploys a second project (busybox
// httpd) on the same host by its own file, asks for status, rolls one service back, and a request
// that does not match the schema (a relative config path, an unknown field) is refused with its
// code and changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectNameOfDir } from '../../src/config/project-name.js';
import { httpAnswer } from '../helpers/http-answer.js';
import { cli, destroyProject, makeProject, serviceYaml, setVersion, type Project } from '../helpers/e2e-project.js';

const run = promisify(execFile);

/** `curl` POSTing `body` to /v1/<method> on the project's daemon socket; the body it answers. */
async function curl(p: Project, method: string, body: unknown): Promise<string> {
  const socket = join(p.stateDir, 'daemon.sock');
  const { stdout } = await run('curl', ['-sS', '--fail', '--unix-socket', socket, '-H', 'content-type: application/json', '-d', JSON.stringify(body), `http://slipway/v1/${method}`]);
  return stdout;
}

/** The NDJSON lines of a streamed answer, parsed. */
const lines = (text: string): Array<Record<string, any>> => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any -- shapes asserted below

async function get(p: Project, host: string): Promise<string> {
  const res = await httpAnswer({ host: '127.0.0.1', port: p.port, path: '/', headers: { host } });
  return `${res.status} ${res.body.trim()}`;
}

test('curl deploys, reads status and rolls back through the control API; a request off the schema is refused with its code', { timeout: 180_000 }, async () => {
  const p = await makeProject();
  try {
    await mkdir(join(p.dir, 'files'), { recursive: true });
    await writeFile(join(p.dir, 'files', 'index.html'), 'files v1\n');
    const files = ['  files:', '    source: ./files', '    run: exec python3 -m http.server $PORT --bind 127.0.0.1', '    routes: [{ host: files.localhost }]', '    health: { path: /, interval: 200ms, rise: 1 }', '    drain: 1s', '    watch: 1s'].join('\n');
    await writeFile(p.configFile, `version: 1\nproxy: { http: ${p.port}, host: 127.0.0.1 }\nservices:\n${serviceYaml('web', { instances: 1, drain: '1s' })}${files}\n`);
    await setVersion(p, 'v1');
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);

    // Both services, one stream: a line per step as it happens, the result last.
    const actor = { user: 'deployer', host: 'ci-runner', ci: 'a shell script' };
    const first = lines(await curl(p, 'deploy', { configFile: p.configFile, actor }));
    const final = first.at(-1);
    assert.equal(final?.['type'], 'result', JSON.stringify(final));
    assert.deepEqual(final?.['results'].map((r: { service: string; outcome: string }) => `${r.service} ${r.outcome}`).sort(), ['files succeeded', 'web succeeded']);
    for (const service of ['web', 'files']) {
      assert.ok(first.some((l) => l['type'] === 'step' && l['service'] === service && l['step'] === 'switch' && l['phase'] === 'end'), `a switch step of ${service} streamed`);
    }
    assert.equal(await get(p, 'hello.localhost'), '200 hello from v1');
    assert.equal(await get(p, 'files.localhost'), '200 files v1');
    assert.equal((await stat(join(p.stateDir, 'daemon.sock'))).mode & 0o777, 0o600, "the socket is its user's only");

    // A second project on the same host: its own file names it, curl deploys it the same way.
    const docsDir = join(p.dir, '..', `${p.dir.split('/').at(-1)}-docs`);
    await mkdir(join(docsDir, 'site'), { recursive: true });
    await writeFile(join(docsDir, 'site', 'index.html'), 'docs v1\n');
    const docsConfig = join(docsDir, 'slipway.yaml');
    await writeFile(docsConfig, ['version: 1', 'project: docs', 'services:', '  web:', '    source: ./site', '    run: exec busybox httpd -f -p 127.0.0.1:$PORT -h .', '    routes: [{ host: docs.localhost }]', '    health: { path: /, interval: 200ms, rise: 1 }', '    drain: 1s', '    watch: 1s', ''].join('\n'));
    try {
      const docs = lines(await curl(p, 'deploy', { configFile: docsConfig, actor }));
      assert.deepEqual(docs.at(-1)?.['results'].map((r: { service: string; release: string }) => `${r.service} ${r.release}`), ['web r1'], JSON.stringify(docs.at(-1)));
      assert.equal(await get(p, 'docs.localhost'), '200 docs v1');
      assert.equal(await get(p, 'hello.localhost'), '200 hello from v1', 'the first project serves on');
      const projects = JSON.parse(await curl(p, 'projects.list', {})) as { result: { projects: Array<{ name: string; services: number }> } };
      assert.deepEqual(projects.result.projects.map((x) => `${x.name} ${x.services}`).sort(), ['docs 1', `${projectNameOfDir(p.dir)} 2`]);
    } finally {
      await curl(p, 'projects.remove', { name: 'docs' }).catch(() => undefined);
      await rm(docsDir, { recursive: true, force: true });
    }

    // One service again, then status: plain JSON, {ok, result}.
    await writeFile(join(p.dir, 'files', 'index.html'), 'files v2\n');
    const second = lines(await curl(p, 'deploy', { configFile: p.configFile, service: 'files', actor }));
    assert.equal(second.at(-1)?.['type'], 'result', JSON.stringify(second.at(-1)));
    assert.equal(await get(p, 'files.localhost'), '200 files v2');
    const status = JSON.parse(await curl(p, 'status', { configFile: p.configFile })) as { ok: boolean; result: { services: Array<{ name: string; activeRelease?: string }> } };
    assert.equal(status.ok, true);
    assert.deepEqual(status.result.services.map((s) => `${s.name} ${s.activeRelease}`).sort(), ['files r2', 'web r1']);

    // A rollback streams the same way; the history names the actor the script sent.
    const back = lines(await curl(p, 'rollback', { configFile: p.configFile, service: 'files', actor }));
    assert.equal(back.at(-1)?.['type'], 'result', JSON.stringify(back.at(-1)));
    assert.equal(back.at(-1)?.['results'][0].release, 'r1');
    assert.equal(await get(p, 'files.localhost'), '200 files v1');
    const history = await cli(p, ['history', 'files', '--json']);
    assert.deepEqual(history.json.deployments[0].actor, actor);

    // Off the schema: refused as a whole with SLW_API_BAD_REQUEST, nothing deployed.
    for (const bad of [{ configFile: 'slipway.yaml' }, { configFile: p.configFile, services: ['web'] }]) {
      const refused = JSON.parse(await curl(p, 'deploy', bad)) as { ok: boolean; error: { code: string; message: string } };
      assert.equal(refused.ok, false);
      assert.equal(refused.error.code, 'SLW_API_BAD_REQUEST', refused.error.message);
    }
    const after = await cli(p, ['history', '--json']);
    assert.equal(after.json.deployments.length, 3, 'the refused requests recorded no deployment');
    assert.equal(await get(p, 'hello.localhost'), '200 hello from v1');
  } finally {
    await destroyProject(p);
  }
});
