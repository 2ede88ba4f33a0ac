// A stack deploy of three services (python's http.server, busybox httpd, our own app) in
// dependsOn order, under load on every host: the third fails, the first two go back to their
// previous releases (warm: one switch each), 0 failed requests, and one stack deployment record
// says why, with a report per service.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, destroyProject, makeProject, setVersion, type Project } from '../helpers/e2e-project.js';
import { HostLoad } from '../helpers/host-load.js';

const HEALTH = '    health: { path: /health, interval: 200ms, timeout: 1s, rise: 2, fall: 2, startTimeout: 5s }';
const TIMING = ['    instances: 1', '    drain: 2s', '    keepWarm: 10m', '    watch: 1s', '    stopTimeout: 3s'];

function yaml(p: Project, cRun: string): string {
  const service = (name: string, source: string, run: string, deps: string) =>
    [`  ${name}:`, `    source: ./${source}`, `    run: ${run}`, `    routes: [{ host: ${name}.localhost }]`, ...(deps ? [`    dependsOn: [${deps}]`] : []), HEALTH, ...TIMING].join('\n');
  // File order c, b, a; dependsOn makes the deploy order a, b, c.
  return `version: 1\nproxy: { http: ${p.port}, host: 127.0.0.1 }\nservices:\n${[
    service('c', 'app', cRun, 'b'),
    service('b', 'b', 'exec busybox httpd -f -p 127.0.0.1:$PORT -h .', 'a'),
    service('a', 'a', 'exec python3 -m http.server $PORT --bind 127.0.0.1', ''),
  ].join('\n')}\n`;
}

async function setSite(p: Project, name: string, version: number): Promise<void> {
  await mkdir(join(p.dir, name), { recursive: true });
  await writeFile(join(p.dir, name, 'index.html'), `svc ${name} v${version}\n`);
  await writeFile(join(p.dir, name, 'health'), 'ok\n');
}

const answersFrom = (host: string, body: string): boolean => {
  const name = host.split('.')[0];
  return name === 'c' ? /^hello from c-v\d+$/.test(body.trim()) : new RegExp(`^svc ${name} v\\d+$`).test(body.trim());
};

test('a failing third service of a stack deploy under load: the first two back on their previous releases, 0 failed requests, the records say why', { timeout: 240_000 }, async () => {
  const p = await makeProject();
  let load: HostLoad | undefined;
  try {
    await writeFile(p.configFile, yaml(p, 'node server.js'));
    for (const name of ['a', 'b']) await setSite(p, name, 1);
    await setVersion(p, 'c-v1');
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    const first = await cli(p, ['deploy', '--json']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.deepEqual(first.json.results.map((r: { service: string }) => r.service), ['a', 'b', 'c'], 'dependsOn order, not file order');

    load = new HostLoad(p.port, ['a.localhost', 'b.localhost', 'c.localhost'], answersFrom, 120);
    for (const name of ['a', 'b']) await setSite(p, name, 2);
    await writeFile(p.configFile, yaml(p, 'node -e "process.exit(3)"'));
    const failed = await cli(p, ['deploy', '--json']);
    assert.notEqual(failed.code, 0, failed.stdout);
    assert.deepEqual(
      failed.json.results.map((r: { kind: string; service: string; outcome: string; release?: string }) => `${r.kind} ${r.service} ${r.outcome} ${r.release ?? ''}`),
      ['deploy a succeeded r2', 'deploy b succeeded r2', 'deploy c failed r2', 'rollback b succeeded r1', 'rollback a succeeded r1'],
    );
    await new Promise((r) => setTimeout(r, 1500)); // traffic after the rollbacks
    await load.stop();
    assert.deepEqual(load.crossTalk, [], load.crossTalk.slice(0, 5).join(' | '));
    assert.deepEqual(load.failures, [], load.failures.slice(0, 5).join(' | '));
    assert.ok(load.total >= 500, `${load.total} requests`);

    const status = await cli(p, ['status', '--json']);
    assert.deepEqual(Object.fromEntries(status.json.services.map((s: { name: string; activeRelease: string }) => [s.name, s.activeRelease])), { a: 'r1', b: 'r1', c: 'r1' });
    for (const name of ['a', 'b']) {
      const history = await cli(p, ['history', name, '--json', '--limit', '1']);
      const [last] = history.json.deployments;
      assert.equal(last.kind, 'rollback');
      assert.match(last.reason, /^stack rollback: c failed in the same deploy \(SLW_/);
    }
    const c = await cli(p, ['history', 'c', '--json', '--limit', '1']);
    assert.equal(c.json.deployments[0].outcome ?? c.json.deployments[0].state, 'failed', JSON.stringify(c.json.deployments[0]));

    // The project's history: each stack deploy is ONE record, with a report per service.
    const all = await cli(p, ['history', '--json']);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(all.json.deployments.map((d: { kind: string; service: string; state: string }) => `${d.kind} ${d.service} ${d.state}`), ['deploy a,b,c reverted', 'deploy a,b,c succeeded']);
    const [stack] = all.json.deployments;
    assert.equal(stack.id, failed.json.stack.id, 'the deploy reported the record it wrote');
    assert.equal(stack.errorCode, failed.json.error.code);
    assert.match(stack.reason, /^c failed \(SLW_[A-Z_]+\): .*; rolled back: b, a$/);
    type Report = { service: string; level: number; status: string; fromRelease?: string; release?: string; durationMs?: number; reason?: string; steps?: { step: string; at?: string }[]; rollback?: { outcome: string; release: string; reason: string } };
    const reports = stack.services as Report[];
    assert.deepEqual(
      reports.map((r) => `${r.service} L${r.level} ${r.status} ${r.fromRelease}→${r.release} back:${r.rollback?.release ?? '-'}`),
      ['a L0 rolled-back r1→r2 back:r1', 'b L1 rolled-back r1→r2 back:r1', 'c L2 failed r1→r2 back:-'],
    );
    for (const r of reports) {
      assert.ok((r.durationMs ?? -1) >= 0, `${r.service} has its timing`);
      assert.ok(r.steps?.some((s) => s.step === 'health-gate' && s.at), `${r.service} has its timed steps`);
    }
    assert.match(reports[2]?.reason ?? '', /SLW_|exit|health/i, 'why c failed');
    assert.match(reports[0]?.rollback?.reason ?? '', /^stack rollback: c failed/);
    // Each service's own view still lists its deployments, naming the stack they belong to.
    const aHistory = await cli(p, ['history', 'a', '--json']);
    assert.deepEqual(aHistory.json.deployments.map((d: { kind: string; stackId?: string }) => `${d.kind} ${d.stackId === stack.id}`), ['rollback true', 'deploy true', 'deploy false']);
    const text = await cli(p, ['history']);
    assert.match(text.stdout, /stack deploy of 3 services: reverted: c failed/);
    assert.match(text.stdout, /^ {4}a +level 0 rolled-back r1 +→ r2 .*rolled back to r1/m);

    // A good stack deploy, then `slipway rollback` with no service: the whole stack back, last first.
    for (const name of ['a', 'b']) await setSite(p, name, 3);
    await writeFile(p.configFile, yaml(p, 'node server.js'));
    const good = await cli(p, ['deploy', '--json']);
    assert.equal(good.code, 0, good.stdout + good.stderr);
    assert.deepEqual(good.json.results.map((r: { service: string; release: string }) => `${r.service} ${r.release}`), ['a r3', 'b r3', 'c r3']);
    const back = await cli(p, ['rollback', '--json']);
    assert.equal(back.code, 0, back.stdout + back.stderr);
    assert.deepEqual(back.json.results.map((r: { kind: string; service: string; release: string }) => `${r.kind} ${r.service} ${r.release}`), ['rollback c r1', 'rollback b r1', 'rollback a r1'], 'reverse deploy order');
    const again = await cli(p, ['rollback', '--json']);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.deepEqual(again.json.results.map((r: { service: string; release: string }) => `${r.service} ${r.release}`), ['a r3', 'b r3', 'c r3'], 'a second rollback undoes the first, dependencies first');
  } finally {
    await load?.stop();
    await destroyProject(p);
  }
});
