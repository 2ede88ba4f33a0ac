// Acceptance 1: under ≥200 req/s, with a websocket held open and 2-second requests in
// flight, 20 deploy + rollback cycles complete with 0 failed requests.
import { test } from 'node:test';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { cli, destroyProject, makeProject, setVersion } from '../helpers/e2e-project.js';
import { LoadGenerator } from '../helpers/load.js';
import { HeldWebSocket } from '../helpers/ws-watch.js';

const CYCLES = 20;

test('20 deploy + rollback cycles under load: 0 failed requests, websocket kept', { timeout: 600_000 }, async () => {
  const p = await makeProject({ instances: 2, watch: '1s', drain: '5s', keepWarm: '10m' });
  let load: LoadGenerator | undefined;
  let ws: HeldWebSocket | undefined;
  try {
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    assert.equal((await stat(join(p.stateDir, 'daemon.sock'))).mode & 0o777, 0o600, 'control socket mode');
    assert.equal((await stat(join(p.stateDir, 'proxy', 'control.sock'))).mode & 0o777, 0o600, 'proxy socket mode');
    await setVersion(p, 'v1');
    const first = await cli(p, ['deploy', '--json']);
    assert.equal(first.code, 0, first.stdout + first.stderr);

    load = new LoadGenerator({ port: p.port, host: 'hello.localhost', rps: 300, loops: 8, slow: 3, slowMs: 2000 });
    ws = new HeldWebSocket(p.port, 'hello.localhost');
    await ws.openedAt;

    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      await setVersion(p, `v${cycle + 1}`);
      const deploy = await cli(p, ['deploy', '--json']);
      assert.equal(deploy.code, 0, `deploy ${cycle}: ${deploy.stdout}${deploy.stderr}`);
      assert.equal(deploy.json.results[0].outcome, 'succeeded');
      const rollback = await cli(p, ['rollback', '--json']);
      assert.equal(rollback.code, 0, `rollback ${cycle}: ${rollback.stdout}${rollback.stderr}`);
      assert.equal(rollback.json.results[0].outcome, 'succeeded');
    }
    await load.stop();
    const seconds = (Date.now() - load.started) / 1000;
    assert.deepEqual(load.failures, [], `failed requests: ${JSON.stringify(load.failures.slice(0, 10))}`);
    assert.ok(load.ok / seconds >= 200, `rate ${(load.ok / seconds).toFixed(0)} req/s is below 200`);
    assert.ok(load.slowOk >= 3, `only ${load.slowOk} 2-second requests completed`);
    assert.ok(ws.open, 'the websocket was closed during the cycles');
    assert.ok(ws.messages > 10, 'the websocket stopped receiving messages');

    const history = await cli(p, ['history', '--json', '--limit', '100']);
    assert.equal(history.json.deployments.length, 1 + 2 * CYCLES);
    assert.ok(history.json.deployments.every((d: { state: string }) => d.state === 'succeeded'));
  } finally {
    ws?.close();
    await load?.stop();
    await destroyProject(p);
  }
});
