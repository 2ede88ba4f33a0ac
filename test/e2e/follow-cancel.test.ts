// The event bus through the CLI: a second terminal follows a deploy it did not start, to its
// result; `deploy --cancel` and Ctrl-C on the deploying terminal stop a deploy before it commits,
// and the old release keeps serving with 0 failed requests; `events` lists what happened. A
// second service (python's http.server) shares the proxy: a cancel aimed at it finds nothing to
// cancel, and it serves untouched throughout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI, cli, destroyProject, makeProject, serviceYaml, setVersion, waitFor, type Project } from '../helpers/e2e-project.js';
import { LoadGenerator } from '../helpers/load.js';

interface Running {
  readonly child: ChildProcess;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function background(p: Project, args: readonly string[]): Running {
  const child = spawn(process.execPath, [CLI, ...args, '--config', p.configFile], { cwd: p.dir, env: { ...process.env, SLIPWAY_TEST_MARK: p.mark }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

/** Waits until the daemon reports the build step of a running deploy has begun. */
async function buildRunning(p: Project): Promise<void> {
  await waitFor('a deploy in its build step', async () => {
    const events = await cli(p, ['events', '--json']);
    const lines = events.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; step?: string; phase?: string; outcome?: string; deploymentId?: string });
    const open = new Set(lines.filter((e) => e.kind === 'deploy' && e.step === 'build' && e.phase === 'begin').map((e) => e.deploymentId));
    for (const e of lines) if (e.kind === 'deploy' && e.outcome) open.delete(e.deploymentId);
    return open.size > 0;
  }, 20_000);
}

test('deploy --follow from another terminal, deploy --cancel and Ctrl-C revert; events lists it all', { timeout: 300_000 }, async () => {
  const p = await makeProject();
  let load: LoadGenerator | undefined;
  let filesLoad: LoadGenerator | undefined;
  try {
    // Each build waits for its gate file, so the test decides how long a deploy stays in its build step.
    const gate = join(p.dir, 'gate-open');
    const service = serviceYaml('web', { instances: 2, watch: '1s', drain: '2s' }).replace('    run: node server.js\n', `    build: "while [ ! -e ${gate} ]; do sleep 0.1; done"\n    run: node server.js\n`);
    await writeFile(gate, '');
    const files = [
      '  files:',
      '    source: ./files',
      '    run: exec python3 -m http.server $PORT --bind 127.0.0.1',
      '    routes: [{ host: files.localhost }]',
      '    health: { path: /health, interval: 200ms, timeout: 1s, rise: 2, fall: 2, startTimeout: 20s }',
      '    instances: 1',
      '    watch: 1s',
    ].join('\n');
    await mkdir(join(p.dir, 'files'));
    await writeFile(join(p.dir, 'files', 'index.html'), 'files v1\n');
    await writeFile(join(p.dir, 'files', 'health'), 'ok\n');
    await writeFile(p.configFile, `version: 1\nproxy:\n  http: ${p.port}\n  host: 127.0.0.1\nservices:\n${service}${files}\n`);
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    await setVersion(p, 'v1');
    assert.equal((await cli(p, ['deploy'])).code, 0);
    load = new LoadGenerator({ port: p.port, host: 'hello.localhost', rps: 100, loops: 4 });
    filesLoad = new LoadGenerator({ port: p.port, host: 'files.localhost', rps: 30, loops: 2 });

    // 1. A deploy started in one terminal, followed from another, to the same result.
    await setVersion(p, 'v2');
    await rm(gate);
    const deploying = background(p, ['deploy', 'web', '--json']);
    await buildRunning(p);
    let followerOut = '';
    const following = background(p, ['deploy', '--follow']);
    following.child.stdout?.on('data', (d: Buffer) => (followerOut += d.toString()));
    await waitFor('the follower to attach', () => (followerOut.includes('following deploy') ? true : undefined), 60_000);
    await writeFile(gate, '');
    const followed = await following.done;
    const started = await deploying.done;
    assert.equal(started.code, 0, started.stdout + started.stderr);
    assert.equal(followed.code, 0, followed.stdout + followed.stderr);
    const own = JSON.parse(started.stdout.trim().split('\n').pop() ?? '{}');
    assert.match(followed.stdout, new RegExp(`following deploy ${own.results[0].deploymentId} of web`), 'the follower saw the same deployment');
    assert.match(followed.stdout, /✓ build .*\n.*✓ start .*\n.*✓ health-gate .*\n.*✓ switch/, 'its steps, as they happened');
    assert.match(followed.stdout, /web: deploy succeeded \(r1 → r2\)/, 'and its result');
    const text = await cli(p, ['deploy', '--follow']);
    assert.notEqual(text.code, 0, 'nothing to follow now');
    assert.match(text.stderr + text.stdout, /SLW_NO_DEPLOYMENT_RUNNING/);

    // 2. deploy --cancel while it builds: it fails cancelled, v2 keeps serving.
    await rm(gate);
    await setVersion(p, 'v3');
    const cancelled = background(p, ['deploy', 'web', '--json']);
    await buildRunning(p);
    const elsewhere = await cli(p, ['deploy', '--cancel', 'files']);
    assert.notEqual(elsewhere.code, 0, 'nothing of files is deploying');
    assert.match(elsewhere.stdout + elsewhere.stderr, /SLW_NO_DEPLOYMENT_RUNNING/);
    const cancel = await cli(p, ['deploy', '--cancel', '--json']);
    assert.equal(cancel.code, 0, cancel.stdout + cancel.stderr);
    const ended = await cancelled.done;
    assert.notEqual(ended.code, 0);
    assert.match(ended.stdout, /SLW_DEPLOY_CANCELLED/);

    // 3. Ctrl-C on the deploying terminal: the same.
    const interrupted = background(p, ['deploy', 'web']);
    await buildRunning(p);
    interrupted.child.kill('SIGINT');
    await interrupted.done;
    await waitFor('the interrupted deploy to end', async () => ((await cli(p, ['history', '--json'])).json.deployments[0].state === 'failed' ? true : undefined));
    const history = await cli(p, ['history', '--json']);
    assert.deepEqual(history.json.deployments.slice(0, 4).map((d: { state: string; errorCode?: string }) => `${d.state}:${d.errorCode ?? ''}`), [
      'failed:SLW_DEPLOY_CANCELLED',
      'failed:SLW_DEPLOY_CANCELLED',
      'succeeded:',
      'succeeded:',
    ]);
    const status = await cli(p, ['status', '--json']);
    const active = Object.fromEntries(status.json.services.map((s: { name: string; activeRelease: string }) => [s.name, s.activeRelease]));
    assert.deepEqual(active, { web: 'r2', files: 'r1' }, 'the release that served before keeps serving; files untouched');
    assert.equal(status.json.lock, undefined, 'the lock is free');

    // 4. events: deploy steps and outcomes, instance changes, table swaps, in order.
    const events = (await cli(p, ['events', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; kind: string; outcome?: string; state?: string });
    assert.ok(events.every((e, i) => i === 0 || e.seq > events[i - 1]!.seq), 'numbered in order');
    assert.deepEqual(events.filter((e) => e.kind === 'deploy' && e.outcome).map((e) => e.outcome), ['succeeded', 'succeeded', 'succeeded', 'failed', 'failed']);
    assert.ok(events.some((e) => e.kind === 'instance' && e.state === 'healthy'));
    assert.ok(events.some((e) => e.kind === 'proxy'));

    await load.stop();
    await filesLoad.stop();
    assert.deepEqual(load.failures, [], `failed requests: ${JSON.stringify(load.failures.slice(0, 5))}`);
    assert.deepEqual(filesLoad.failures, [], `failed requests to files: ${JSON.stringify(filesLoad.failures.slice(0, 5))}`);
    assert.ok(filesLoad.ok > 100, `files answered ${filesLoad.ok} requests`);
  } finally {
    await load?.stop();
    await filesLoad?.stop();
    await destroyProject(p);
  }
});
