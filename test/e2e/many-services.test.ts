// Three services in one project, each on its own host, on servers nobody here wrote (python's
// http.server, busybox httpd) beside our own: under load on every host, each service deployed
// and rolled back 5 times on its own; each host only ever answers from its own service.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, destroyProject, makeProject, setVersion, type Project } from '../helpers/e2e-project.js';
import { HostLoad } from '../helpers/host-load.js';

const CYCLES = 5;
const SERVICES = {
  a: { host: 'a.localhost', run: 'exec python3 -m http.server $PORT --bind 127.0.0.1' },
  b: { host: 'b.localhost', run: 'exec busybox httpd -f -p 127.0.0.1:$PORT -h .' },
  c: { host: 'c.localhost', run: 'node server.js' },
} as const;
type Name = keyof typeof SERVICES;

function serviceYaml(name: Name): string {
  const s = SERVICES[name];
  return [
    `  ${name}:`,
    `    source: ./${name === 'c' ? 'app' : name}`,
    `    run: ${s.run}`,
    `    routes: [{ host: ${s.host} }]`,
    '    health: { path: /health, interval: 200ms, timeout: 1s, rise: 2, fall: 2, startTimeout: 20s }',
    `    instances: ${name === 'b' ? 1 : 2}`,
    '    drain: 2s',
    '    keepWarm: 10m',
    '    watch: 1s',
    '    stopTimeout: 3s',
  ].join('\n');
}

/** Each service's answer names it and its version: "svc a v3" (c is examples/hello: "hello from c-v3"). */
async function setServiceVersion(p: Project, name: Name, version: number): Promise<void> {
  if (name === 'c') return setVersion(p, `c-v${version}`);
  const dir = join(p.dir, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'index.html'), `svc ${name} v${version}\n`);
  await writeFile(join(dir, 'health'), 'ok\n');
}

const answersFrom = (host: string, body: string): boolean => {
  const name = host.split('.')[0];
  return name === 'c' ? /^hello from c-v\d+$/.test(body.trim()) : new RegExp(`^svc ${name} v\\d+$`).test(body.trim());
};

test('three services on one proxy: 5 deploys and rollbacks each under load, 0 failed requests, 0 cross-talk', { timeout: 600_000 }, async () => {
  const p = await makeProject();
  let load: HostLoad | undefined;
  try {
    const names = Object.keys(SERVICES) as Name[];
    await writeFile(p.configFile, `version: 1\nproxy: { http: ${p.port}, host: 127.0.0.1 }\nservices:\n${names.map(serviceYaml).join('\n')}\n`);
    for (const name of names) await setServiceVersion(p, name, 1);
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    const first = await cli(p, ['deploy', '--json']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.deepEqual(first.json.results.map((r: { service: string; release: string }) => `${r.service}:${r.release}`), ['a:r1', 'b:r1', 'c:r1']);

    const status = await cli(p, ['status', '--json']);
    const routes = Object.fromEntries(status.json.services.map((s: { name: string; routes: { host: string }[] }) => [s.name, s.routes.map((r) => r.host)]));
    assert.deepEqual(routes, { a: ['a.localhost'], b: ['b.localhost'], c: ['c.localhost'] }, 'status shows each service with its own route');

    load = new HostLoad(p.port, names.map((n) => SERVICES[n].host), answersFrom, 150);
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      for (const name of names) {
        await setServiceVersion(p, name, cycle + 1);
        const deploy = await cli(p, ['deploy', name, '--json']);
        assert.equal(deploy.code, 0, `deploy ${name} ${cycle}: ${deploy.stdout}${deploy.stderr}`);
        assert.equal(deploy.json.results[0].release, `r${cycle + 1}`, `${name} numbers its own releases`);
        const rollback = await cli(p, ['rollback', name, '--json']);
        assert.equal(rollback.code, 0, `rollback ${name} ${cycle}: ${rollback.stdout}${rollback.stderr}`);
        assert.equal(rollback.json.results[0].release, 'r1', `${name} goes back to the release that served before`);
      }
    }
    // Enough traffic for the claim, on every host.
    while (load.total < 10_000) await new Promise((r) => setTimeout(r, 200));
    await load.stop();
    assert.deepEqual(load.crossTalk, [], `answers from another service: ${load.crossTalk.slice(0, 5).join(' | ')}`);
    assert.deepEqual(load.failures, [], `failed requests: ${load.failures.slice(0, 5).join(' | ')}`);
    for (const name of names) assert.ok((load.byHost.get(SERVICES[name].host) ?? 0) >= 2000, `${name}: ${load.byHost.get(SERVICES[name].host)} answers`);
  } finally {
    await load?.stop();
    await destroyProject(p);
  }
});
