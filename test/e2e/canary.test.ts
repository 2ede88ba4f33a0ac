// Canary deploys through the real proxy (issue 6, acceptance 2–5): a release failing 5% of
// requests is rolled back by the judge; a good one is promoted step by step; pause, promote
// and abort, across a daemon restart; sticky clients; the per-step report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { CLI, cli, daemonPid, destroyProject, isAlive, makeProject, serviceYaml, setVersion, waitFor, type Project, startAndDeploy } from '../helpers/e2e-project.js';
import { LoadGenerator } from '../helpers/load.js';

async function canaryConfig(p: Project, canary: string, env: Record<string, string> = {}): Promise<void> {
  const service = serviceYaml('web', { instances: 1, watch: '1s', env }) + `    strategy:\n      canary: ${canary}\n`;
  await writeFile(p.configFile, `version: 1\nproxy:\n  http: ${p.port}\n  host: 127.0.0.1\nservices:\n${service}`);
}

function get(port: number, cookie?: string): Promise<{ status: number; body: string; setCookie: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host: 'hello.localhost', ...(cookie ? { cookie } : {}) } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, setCookie: res.headers['set-cookie']?.[0] }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a release answering 5% of requests with 500 is rolled back by the canary judge', { timeout: 180_000 }, async () => {
  const p = await makeProject();
  let load: LoadGenerator | undefined;
  try {
    await canaryConfig(p, '{ steps: [10%, 50%], minHold: [60s, 60s], minRequests: 100, sticky: none }');
    await startAndDeploy(p);
    load = new LoadGenerator({ port: p.port, host: 'hello.localhost', rps: 250, loops: 8 });
    await setVersion(p, 'v2-flaky');
    await canaryConfig(p, '{ steps: [10%, 50%], minHold: [60s, 60s], minRequests: 100, sticky: none }', { HELLO_MODE: 'flaky' });
    const began = Date.now();
    const deploy = await cli(p, ['deploy', '--json']);
    const took = Date.now() - began;
    await load.stop();
    assert.equal(deploy.code, 3, deploy.stdout + deploy.stderr);
    assert.equal(deploy.json.error.code, 'SLW_CANARY_ROLLED_BACK');
    const result = deploy.json.results[0];
    assert.equal(result.outcome, 'reverted');
    assert.match(result.reason, /error|failure/i);
    assert.ok(took < 60_000, `the judge took ${took} ms (the step hold is 60 s)`);
    assert.deepEqual(
      result.report.canary.map((s: { weight: number; outcome: string }) => [s.weight, s.outcome]),
      [[0.1, 'rollback']],
      'rolled back in its first step, at 10%',
    );
    assert.ok(result.report.canary[0].evidence.length >= 1);
    // Who saw an error: only requests the canary served, a share bounded by its weight.
    const share = load.failures.length / load.total;
    assert.ok(load.failures.length > 0, 'the flaky release did answer some 500s');
    assert.ok(share <= 0.1, `share of failed requests ${share}`);
    assert.ok(load.failures.every((f) => f.what.startsWith('HTTP 500')));
    const status = await cli(p, ['status', '--json']);
    assert.equal(status.json.services[0].activeRelease, 'r1');
    assert.equal((await get(p.port)).body, 'hello from v1\n');
  } finally {
    await load?.stop();
    await destroyProject(p);
  }
});

test('a good release is promoted through every step; the report shows each step', { timeout: 180_000 }, async () => {
  const p = await makeProject();
  let load: LoadGenerator | undefined;
  try {
    const plan = '{ steps: [10%, 50%], minHold: [3s, 2s], minRequests: 50, bake: 2s, sticky: none }';
    await canaryConfig(p, plan);
    await startAndDeploy(p);
    load = new LoadGenerator({ port: p.port, host: 'hello.localhost', rps: 250, loops: 8 });
    await setVersion(p, 'v2');
    const deploy = await cli(p, ['deploy', '--json']);
    await load.stop();
    assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);
    const steps = deploy.json.results[0].report.canary as { weight: number; outcome: string; releases: { release: string; requests: number }[] }[];
    assert.deepEqual(steps.map((s) => [s.weight, s.outcome]), [[0.1, 'next'], [0.5, 'next'], [0.95, 'next']]);
    for (const s of steps) {
      const canary = s.releases.find((r) => r.release === 'r2');
      assert.ok(canary && canary.requests > 0, `no canary traffic at ${s.weight}`);
    }
    assert.deepEqual(load.failures, []);
    assert.equal((await get(p.port)).body, 'hello from v2\n');
    const text = await cli(p, ['history']);
    assert.match(text.stdout, /r1\s+→ r2\s+succeeded/);
  } finally {
    await load?.stop();
    await destroyProject(p);
  }
});

test('pause, sticky cookie, daemon restart mid-canary, promote; then abort', { timeout: 180_000 }, async () => {
  const p = await makeProject();
  try {
    // No load here: a quiet service. The first weight is the configured 20% (it is never raised);
    // its hold is long enough that the pause below lands in it.
    await canaryConfig(p, '{ steps: [20%, 70%], minHold: [90s, 2s], minRequests: 0, bake: 2s, sticky: cookie }');
    await startAndDeploy(p);
    await setVersion(p, 'v2');
    const deploying = spawn(process.execPath, [CLI, 'deploy', '--config', p.configFile], { env: { ...process.env, SLIPWAY_TEST_MARK: p.mark }, stdio: 'ignore' });
    await waitFor('a canary in progress', async () => ((await cli(p, ['canary', 'status', '--json'])).json?.canaries?.length ? true : undefined), 60_000);
    assert.equal((await cli(p, ['canary', 'pause'])).code, 0);

    // A client pinned to each side by its cookie.
    const pins = new Map<string, string>();
    for (let i = 0; i < 60 && pins.size < 2; i++) {
      const r = await get(p.port);
      const cookie = r.setCookie?.split(';')[0];
      if (cookie) pins.set(r.body.trim(), cookie);
    }
    assert.deepEqual([...pins.keys()].sort(), ['hello from v1', 'hello from v2']);

    // The daemon dies mid-canary; the canary survives with its weight and pause.
    const pid = await daemonPid(p);
    process.kill(pid!, 'SIGKILL');
    await waitFor('daemon gone', () => (isAlive(pid!) ? undefined : true));
    for (const [body, cookie] of pins) assert.equal((await get(p.port, cookie)).body.trim(), body, 'the proxy keeps the split while the daemon is down');
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    const after = await cli(p, ['canary', 'status', '--json']);
    assert.equal(after.json.canaries.length, 1);
    assert.equal(after.json.canaries[0].paused, true);
    assert.equal(after.json.canaries[0].weight, 0.2);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal((await cli(p, ['canary', 'status', '--json'])).json.canaries[0].weight, 0.2, 'paused: no step taken');
    for (const [body, cookie] of pins) assert.equal((await get(p.port, cookie)).body.trim(), body, 'sticky through the restart');

    assert.equal((await cli(p, ['canary', 'promote'])).code, 0);
    await waitFor('promotion', async () => ((await cli(p, ['status', '--json'])).json.services[0].activeRelease === 'r2' ? true : undefined), 20_000);
    for (const cookie of pins.values()) assert.equal((await get(p.port, cookie)).body.trim(), 'hello from v2', 'after promotion everyone is on v2');
    const history = await cli(p, ['history', '--json']);
    assert.equal(history.json.deployments[0].state, 'succeeded');
    deploying.kill('SIGKILL');

    await setVersion(p, 'v3');
    const third = spawn(process.execPath, [CLI, 'deploy', '--json', '--config', p.configFile], { env: { ...process.env, SLIPWAY_TEST_MARK: p.mark } });
    let out = '';
    third.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number>((r) => third.on('exit', (code) => r(code ?? -1)));
    await waitFor('the third canary', async () => ((await cli(p, ['canary', 'status', '--json'])).json?.canaries?.length ? true : undefined), 60_000);
    assert.equal((await cli(p, ['canary', 'abort'])).code, 0);
    assert.equal(await exited, 3);
    assert.equal(JSON.parse(out.trim().split('\n').pop() ?? '{}').error.code, 'SLW_CANARY_ABORTED');
    assert.equal((await get(p.port)).body.trim(), 'hello from v2', 'abort: all traffic back on the stable release');
  } finally {
    await destroyProject(p);
  }
});
