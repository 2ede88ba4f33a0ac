// One host, three projects on one daemon and one proxy: a project of three services (python's
// http.server, busybox httpd, our own app) and two more projects, each in its own folder with its
// own slipway.yaml, both with a service named `web`. Under load on every host, each service is
// deployed and rolled back 5 times on its own; each host only ever answers from its own service;
// a daemon restart loses nothing; conflicting routes, host settings and project names are refused
// with nothing changed; removing a project stops its instances and routes and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { cli, cliOn, destroyProject, instancePids, makeProject, setVersion, type Project } from '../helpers/e2e-project.js';
import { HostLoad } from '../helpers/host-load.js';

const CYCLES = 5;
const HEALTH = '    health: { path: /health, interval: 200ms, timeout: 1s, rise: 2, fall: 2, startTimeout: 20s }';
const TIMING = ['    drain: 2s', '    keepWarm: 10m', '    watch: 1s', '    stopTimeout: 3s'];
const PYTHON = 'exec python3 -m http.server $PORT --bind 127.0.0.1';
const BUSYBOX = 'exec busybox httpd -f -p 127.0.0.1:$PORT -h .';

/** A service to deploy: its project's config file, its name there, the folder its answer lives in. */
interface Target {
  readonly key: string;
  readonly host: string;
  readonly config: string;
  readonly service: string;
  readonly source: string;
}

function serviceYaml(name: string, source: string, run: string, host: string, instances: number): string {
  return [`  ${name}:`, `    source: ./${source}`, `    run: ${run}`, `    routes: [{ host: ${host} }]`, HEALTH, `    instances: ${instances}`, ...TIMING].join('\n');
}

/** Each answer names its service and version: "svc blog v3" (shop's c is examples/hello: "hello from c-v3"). */
async function setTargetVersion(p: Project, t: Target, version: number): Promise<void> {
  if (t.key === 'c') return setVersion(p, `c-v${version}`);
  await mkdir(t.source, { recursive: true });
  await writeFile(join(t.source, 'index.html'), `svc ${t.key} v${version}\n`);
  await writeFile(join(t.source, 'health'), 'ok\n');
}

const answersFrom = (host: string, body: string): boolean => {
  const key = host.split('.')[0];
  return key === 'c' ? /^hello from c-v\d+$/.test(body.trim()) : new RegExp(`^svc ${key} v\\d+$`).test(body.trim());
};

function get(port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('three projects on one proxy: 5 deploys and rollbacks per service under load, 0 failed requests, 0 cross-talk, conflicts refused, removal', { timeout: 900_000 }, async () => {
  const p = await makeProject();
  let load: HostLoad | undefined;
  try {
    const proxy = `proxy: { http: ${p.port}, host: 127.0.0.1 }`;
    // Project 1 ("shop" by its folder's name): three services.
    await writeFile(
      p.configFile,
      `version: 1\n${proxy}\nservices:\n${[serviceYaml('a', 'a', PYTHON, 'a.localhost', 2), serviceYaml('b', 'b', BUSYBOX, 'b.localhost', 1), serviceYaml('c', 'app', 'node server.js', 'c.localhost', 2)].join('\n')}\n`,
    );
    // Project 2, named in its file, without `proxy:` (it takes the host's); project 3 named by its folder, same proxy settings.
    const blogDir = join(p.dir, 'blog-site');
    const docsDir = join(p.dir, 'docs');
    await mkdir(blogDir, { recursive: true });
    await mkdir(docsDir, { recursive: true });
    const blogConfig = join(blogDir, 'slipway.yaml');
    const docsConfig = join(docsDir, 'slipway.yaml');
    await writeFile(blogConfig, `version: 1\nproject: blog\nservices:\n${serviceYaml('web', 'site', PYTHON, 'blog.localhost', 2)}\n`);
    await writeFile(docsConfig, `version: 1\n${proxy}\nservices:\n${serviceYaml('web', 'site', BUSYBOX, 'docs.localhost', 1)}\n`);

    const targets: Target[] = [
      { key: 'a', host: 'a.localhost', config: p.configFile, service: 'a', source: join(p.dir, 'a') },
      { key: 'b', host: 'b.localhost', config: p.configFile, service: 'b', source: join(p.dir, 'b') },
      { key: 'c', host: 'c.localhost', config: p.configFile, service: 'c', source: p.appDir },
      { key: 'blog', host: 'blog.localhost', config: blogConfig, service: 'web', source: join(blogDir, 'site') },
      { key: 'docs', host: 'docs.localhost', config: docsConfig, service: 'web', source: join(docsDir, 'site') },
    ];
    for (const t of targets) await setTargetVersion(p, t, 1);
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    const first = await cli(p, ['deploy', '--json']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.deepEqual(first.json.results.map((r: { service: string; release: string }) => `${r.service}:${r.release}`), ['a:r1', 'b:r1', 'c:r1']);
    for (const config of [blogConfig, docsConfig]) {
      const deployed = await cliOn(p, config, ['deploy', '--json']);
      assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);
      assert.deepEqual(deployed.json.results.map((r: { service: string; release: string }) => `${r.service}:${r.release}`), ['web:r1'], 'each project numbers its own releases');
    }

    const projects = await cli(p, ['projects', '--json']);
    const shop = projects.json.projects.find((x: { configFile?: string }) => x.configFile === p.configFile);
    assert.ok(shop, projects.stdout);
    assert.deepEqual(
      projects.json.projects.map((x: { name: string; services: number; serving: number }) => `${x.name}:${x.serving}/${x.services}`).sort(),
      [`${shop.name}:3/3`, 'blog:1/1', 'docs:1/1'].sort(),
    );
    const status = await cli(p, ['status', '--json']);
    const routes = Object.fromEntries(status.json.services.map((s: { name: string; routes: { host: string }[] }) => [s.name, s.routes.map((r) => r.host)]));
    assert.deepEqual(routes, { a: ['a.localhost'], b: ['b.localhost'], c: ['c.localhost'] }, 'status in a project shows its own services');
    const blogStatus = await cli(p, ['status', '--json', '--project', 'blog']);
    assert.deepEqual(blogStatus.json.services.map((s: { name: string; routes: { host: string }[] }) => `${s.name}@${s.routes.map((r) => r.host).join()}`), ['web@blog.localhost']);

    load = new HostLoad(p.port, targets.map((t) => t.host), answersFrom, 150);

    // Bad input, with traffic flowing: each refused with its code, naming both files; nothing changed.
    const table = async () => (await cli(p, ['projects', '--json'])).json.projects.map((x: { name: string }) => x.name).sort();
    const before = await table();
    const refused = async (folder: string, yaml: string, code: string, names: string[]) => {
      const dir = join(p.dir, folder);
      await mkdir(join(dir, 'site'), { recursive: true });
      await writeFile(join(dir, 'site', 'index.html'), 'rogue\n');
      await writeFile(join(dir, 'slipway.yaml'), yaml);
      const r = await cliOn(p, join(dir, 'slipway.yaml'), ['deploy', '--json']);
      assert.notEqual(r.code, 0, `${folder}: ${r.stdout}`);
      const text = r.stdout + r.stderr;
      assert.match(text, new RegExp(code), `${folder}: ${text}`);
      for (const name of names) assert.ok(text.includes(name), `${folder}: the error names ${name}: ${text}`);
      assert.deepEqual(await table(), before, `${folder}: no project registered`);
    };
    await refused('rogue', `version: 1\nservices:\n${serviceYaml('web', 'site', PYTHON, 'blog.localhost', 1)}\n`, 'SLW_ROUTE_CONFLICT', [blogConfig, join(p.dir, 'rogue', 'slipway.yaml')]);
    await refused('odd', `version: 1\nproxy: { http: ${p.port + 1}, host: 127.0.0.1 }\nservices:\n${serviceYaml('web', 'site', PYTHON, 'odd.localhost', 1)}\n`, 'SLW_HOST_SETTINGS_CONFLICT', [docsConfig, join(p.dir, 'odd', 'slipway.yaml')]);
    await refused('copy', `version: 1\nproject: blog\nservices:\n${serviceYaml('web', 'site', PYTHON, 'copy.localhost', 1)}\n`, 'SLW_PROJECT_CONFLICT', [blogConfig, join(p.dir, 'copy', 'slipway.yaml')]);

    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      if (cycle === 3) {
        // The control plane restarts with three projects: every project's routes stay in the table.
        const stopped = await cli(p, ['stop', '--keep-apps']);
        assert.equal(stopped.code, 0, stopped.stdout + stopped.stderr);
        const started = await cli(p, ['daemon', '--detach']);
        assert.equal(started.code, 0, started.stdout + started.stderr);
      }
      for (const t of targets) {
        await setTargetVersion(p, t, cycle + 1);
        const deploy = await cliOn(p, t.config, ['deploy', t.service, '--json']);
        assert.equal(deploy.code, 0, `deploy ${t.key} ${cycle}: ${deploy.stdout}${deploy.stderr}`);
        assert.equal(deploy.json.results[0].release, `r${cycle + 1}`, `${t.key} numbers its own releases`);
        const rollback = await cliOn(p, t.config, ['rollback', t.service, '--json']);
        assert.equal(rollback.code, 0, `rollback ${t.key} ${cycle}: ${rollback.stdout}${rollback.stderr}`);
        assert.equal(rollback.json.results[0].release, 'r1', `${t.key} goes back to the release that served before`);
      }
    }
    // Enough traffic for the claim, on every host.
    while (load.total < 10_000) await new Promise((r) => setTimeout(r, 200));
    await load.stop();
    assert.deepEqual(load.crossTalk, [], `answers from another service: ${load.crossTalk.slice(0, 5).join(' | ')}`);
    assert.deepEqual(load.failures, [], `failed requests: ${load.failures.slice(0, 5).join(' | ')}`);
    for (const t of targets) assert.ok((load.byHost.get(t.host) ?? 0) >= 1200, `${t.key}: ${load.byHost.get(t.host)} answers`);

    // Removing a project stops its instances and routes, and nothing else. (Counting all
    // processes would race with the reaper stopping other projects' older instances.)
    const pidsOf = async (args: string[], role?: string) =>
      (await cli(p, ['status', '--json', ...args])).json.services.flatMap((svc: { instances: { pid?: number; role: string; state: string }[] }) =>
        svc.instances.filter((i) => (role === undefined || i.role === role) && i.state !== 'stopped' && i.state !== 'failed').map((i) => i.pid ?? -1),
      );
    const docsPids: number[] = await pidsOf(['--project', 'docs']);
    const othersServing: number[] = [...(await pidsOf([], 'active')), ...(await pidsOf(['--project', 'blog'], 'active'))];
    assert.ok(docsPids.length >= 1 && othersServing.length === 7, `docs ${docsPids.join(',')}, others ${othersServing.join(',')}`);
    const removed = await cli(p, ['projects', 'remove', 'docs', '--json']);
    assert.equal(removed.code, 0, removed.stdout + removed.stderr);
    // Its serving instance and the warm one kept for rollback (and an older one not reaped yet).
    assert.ok(removed.json.stopped >= 2, `stopped ${removed.json.stopped}`);
    assert.equal((await get(p.port, 'docs.localhost')).status, 404);
    assert.match((await get(p.port, 'blog.localhost')).body, /^svc blog v1/);
    assert.match((await get(p.port, 'a.localhost')).body, /^svc a v1/);
    const running = new Set(await instancePids(p));
    assert.deepEqual(docsPids.filter((pid) => running.has(pid)), [], 'every instance of docs stopped');
    assert.deepEqual(othersServing.filter((pid) => !running.has(pid)), [], 'every serving instance of the other projects runs');
    assert.deepEqual(await table(), before.filter((n: string) => n !== 'docs'));
  } finally {
    await load?.stop();
    await destroyProject(p);
  }
});
