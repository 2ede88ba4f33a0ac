// A stack deploy runs the services of one dependsOn level side by side: python's http.server
// (a) and busybox httpd (b) depend on nothing, our own app (c) on both. Their recorded steps
// show a and b deploying at the same time and c starting only once both are healthy; a failure
// in the first level rolls back what that level switched and starts nothing after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, destroyProject, makeProject, setVersion, type Project } from '../helpers/e2e-project.js';

// rise 3 at 400 ms: each health gate lasts at least 0.8 s, so two services brought up side by side
// overlap by well over the 300 ms asserted below even when one of them starts late on a busy host
// (at 250 ms, one side starting ~0.25 s late under CI load left an overlap of 280 ms).
const HEALTH = '    health: { path: /health, interval: 400ms, timeout: 1s, rise: 3, fall: 2, startTimeout: 8s }';
const TIMING = ['    instances: 1', '    drain: 1s', '    keepWarm: 10m', '    watch: 1s', '    stopTimeout: 3s'];

function yaml(p: Project, aRun: string): string {
  const service = (name: string, source: string, run: string, deps: string) =>
    [`  ${name}:`, `    source: ./${source}`, `    run: ${run}`, `    routes: [{ host: ${name}.localhost }]`, ...(deps ? [`    dependsOn: [${deps}]`] : []), HEALTH, ...TIMING].join('\n');
  return `version: 1\nproxy: { http: ${p.port}, host: 127.0.0.1 }\nservices:\n${[
    service('c', 'app', 'node server.js', 'a, b'),
    service('a', 'a', aRun, ''),
    service('b', 'b', 'exec busybox httpd -f -p 127.0.0.1:$PORT -h .', ''),
  ].join('\n')}\n`;
}

async function setSite(p: Project, name: string, version: number): Promise<void> {
  await mkdir(join(p.dir, name), { recursive: true });
  await writeFile(join(p.dir, name, 'index.html'), `svc ${name} v${version}\n`);
  await writeFile(join(p.dir, name, 'health'), 'ok\n');
}

type Step = { step: string; at?: string; ms: number };
type Report = { service: string; level: number; status: string; startedAt?: string; endedAt?: string; steps?: Step[]; rollback?: { release?: string } };

/** From the first recorded step's start to the health gate's end: when the service was being brought up. */
function upInterval(r: Report | undefined): [number, number] {
  const steps = r?.steps ?? [];
  const first = steps.find((s) => s.at);
  const gate = steps.find((s) => s.step === 'health-gate');
  assert.ok(first?.at && gate?.at, `${r?.service}: recorded steps ${JSON.stringify(steps)}`);
  return [Date.parse(first.at), Date.parse(gate.at) + gate.ms];
}

test('independent services deploy side by side, a dependent waits for both; a failure in the first level stops the stack and rolls back its level', { timeout: 240_000 }, async () => {
  const p = await makeProject();
  try {
    for (const name of ['a', 'b']) await setSite(p, name, 1);
    await setVersion(p, 'c-v1');
    await writeFile(p.configFile, yaml(p, 'exec python3 -m http.server $PORT --bind 127.0.0.1'));
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    const first = await cli(p, ['deploy', '--json']);
    assert.equal(first.code, 0, first.stdout + first.stderr);

    const reports = first.json.stack.services as Report[];
    assert.deepEqual(reports.map((r) => `${r.service} L${r.level} ${r.status}`), ['a L0 succeeded', 'b L0 succeeded', 'c L1 succeeded']);
    const [a, b, c] = reports.map(upInterval);
    assert.ok(a && b && c);
    // a and b were coming up at the same time: each began before the other was healthy.
    assert.ok(a[0] < b[1] && b[0] < a[1], `a ${JSON.stringify(a)} and b ${JSON.stringify(b)} do not overlap`);
    const overlap = Math.min(a[1], b[1]) - Math.max(a[0], b[0]);
    assert.ok(overlap >= 300, `a and b overlapped only ${overlap} ms`);
    // c began only after both a and b had finished (healthy and switched).
    const ended = Math.max(...reports.slice(0, 2).map((r) => Date.parse(r.endedAt ?? '')));
    assert.ok(c[0] >= ended, `c began at ${c[0]}, before its dependencies ended at ${ended}`);

    // Second deploy: a's new release exits at once; b (same level) is switched, then rolled back; c never starts.
    for (const name of ['a', 'b']) await setSite(p, name, 2);
    await writeFile(p.configFile, yaml(p, 'exec python3 -c "import sys; sys.exit(3)"'));
    const failed = await cli(p, ['deploy', '--json']);
    assert.notEqual(failed.code, 0, failed.stdout);
    const stack = failed.json.stack as { state: string; reason: string; services: Report[] };
    assert.equal(stack.state, 'reverted', stack.reason);
    assert.deepEqual(
      stack.services.map((r) => `${r.service} ${r.status} ${r.rollback?.release ?? '-'}`),
      ['a failed -', 'b rolled-back r1', 'c not-started -'],
    );
    assert.match(stack.reason, /^a failed \(SLW_[A-Z_]+\): .*; rolled back: b$/);
    const status = await cli(p, ['status', '--json']);
    assert.deepEqual(Object.fromEntries(status.json.services.map((s: { name: string; activeRelease: string }) => [s.name, s.activeRelease])), { a: 'r1', b: 'r1', c: 'r1' });
    const history = await cli(p, ['history', '--json']);
    assert.deepEqual(history.json.deployments.map((d: { service: string; state: string }) => `${d.service} ${d.state}`), ['a,b,c reverted', 'a,b,c succeeded'], 'one record per stack deploy');
  } finally {
    await destroyProject(p);
  }
});
