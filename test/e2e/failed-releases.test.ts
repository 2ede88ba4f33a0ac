// Acceptance 4 and 5: a release whose health never passes never gets traffic and fails with
// SLW_HEALTH_TIMEOUT and its last log lines; a release that answers 500 after the switch is
// reverted within the watch window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, destroyProject, makeProject, setVersion, writeConfig, startAndDeploy } from '../helpers/e2e-project.js';
import { LoadGenerator } from '../helpers/load.js';

test('a release that never passes health gets no traffic and fails with SLW_HEALTH_TIMEOUT', { timeout: 120_000 }, async () => {
  const p = await makeProject({ instances: 2, watch: '1s' });
  let load: LoadGenerator | undefined;
  try {
    await startAndDeploy(p);
    load = new LoadGenerator({ port: p.port, host: 'hello.localhost', rps: 200, loops: 4 });

    await setVersion(p, 'v2-sick');
    await writeConfig(p, { instances: 2, watch: '1s', startTimeout: '2s', env: { HELLO_MODE: 'unhealthy' } });
    const deploy = await cli(p, ['deploy', '--json']);
    assert.equal(deploy.code, 3, deploy.stdout + deploy.stderr);
    assert.equal(deploy.json.ok, false);
    assert.equal(deploy.json.error.code, 'SLW_HEALTH_TIMEOUT');
    const lastLines: string[] = deploy.json.error.details.lastLines;
    assert.ok(lastLines.some((l) => l.includes('listening')), `last lines: ${lastLines.join('|')}`);
    assert.ok(lastLines.some((l) => l.includes('health check refused')));
    const result = deploy.json.results[0];
    assert.equal(result.outcome, 'failed');
    const newRelease = result.release;
    const counted = result.report.releases.find((r: { release: string }) => r.release === newRelease);
    assert.equal(counted?.requests ?? 0, 0, 'the sick release received traffic');

    const text = await cli(p, ['deploy']);
    assert.equal(text.code, 3);
    assert.match(text.stderr, /SLW_HEALTH_TIMEOUT/);
    assert.match(text.stderr, /last log lines/);

    const status = await cli(p, ['status', '--json']);
    assert.equal(status.json.services[0].activeRelease, 'r1');
    await load.stop();
    assert.deepEqual(load.failures, []);
    const served = await fetchBody(p.port);
    assert.equal(served, 'hello from v1\n');
  } finally {
    await load?.stop();
    await destroyProject(p);
  }
});

test('a release answering 500 after the switch is reverted within the watch window', { timeout: 120_000 }, async () => {
  const p = await makeProject({ instances: 2, watch: '1s' });
  let load: LoadGenerator | undefined;
  try {
    await startAndDeploy(p);
    load = new LoadGenerator({ port: p.port, host: 'hello.localhost', rps: 200, loops: 4 });

    await setVersion(p, 'v2-broken');
    await writeConfig(p, { instances: 2, watch: '10s', env: { HELLO_MODE: 'error' } });
    const began = Date.now();
    const deploy = await cli(p, ['deploy', '--json']);
    const took = Date.now() - began;
    assert.equal(deploy.code, 3, deploy.stdout + deploy.stderr);
    assert.equal(deploy.json.error.code, 'SLW_DEPLOY_REVERTED');
    const result = deploy.json.results[0];
    assert.equal(result.outcome, 'reverted');
    assert.match(result.reason, /error rate/);
    const watchStep = result.report.steps.find((s: { step: string }) => s.step === 'watch');
    assert.ok(watchStep.ms < 10_000, `the revert came after the watch window (${watchStep.ms} ms)`);
    assert.ok(took < 20_000);
    const broken = result.report.releases.find((r: { release: string }) => r.release === result.release);
    assert.ok(broken.errors5xx >= 5, 'the proxy counted the 500s of the new release');

    const status = await cli(p, ['status', '--json']);
    assert.equal(status.json.services[0].activeRelease, 'r1');
    assert.equal(await fetchBody(p.port), 'hello from v1\n');
    const history = await cli(p, ['history', '--json']);
    assert.equal(history.json.deployments[0].state, 'reverted');
    assert.equal(history.json.deployments[0].errorCode, 'SLW_DEPLOY_REVERTED');
    await load.stop();
    const after = load.failures.filter((f) => f.at > began + took);
    assert.deepEqual(after, [], 'requests failed after the revert');
  } finally {
    await load?.stop();
    await destroyProject(p);
  }
});

async function fetchBody(port: number): Promise<string> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host: 'hello.localhost' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}
