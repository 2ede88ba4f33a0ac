// Acceptance 3: SIGKILL of one app instance under load: 0 failed idempotent requests; the
// instance is restarted; status shows the restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, destroyProject, instancePids, makeProject, waitFor, startAndDeploy } from '../helpers/e2e-project.js';
import { LoadGenerator } from '../helpers/load.js';

test('an instance killed with SIGKILL under load: no failed GET, restarted, restart shown', { timeout: 120_000 }, async () => {
  const p = await makeProject({ instances: 2, watch: '1s' });
  let load: LoadGenerator | undefined;
  try {
    await startAndDeploy(p);
    load = new LoadGenerator({ port: p.port, host: 'hello.localhost', rps: 300, loops: 8, slow: 2, slowMs: 500 });
    await waitFor('some traffic', () => (load!.ok > 200 ? true : undefined));

    const before = await cli(p, ['status', '--json']);
    const victim = before.json.services[0].instances.find((i: { role: string }) => i.role === 'active');
    process.kill(victim.pid, 'SIGKILL');

    const restarted = await waitFor(
      'the killed instance to be restarted and healthy',
      async () => {
        const s = await cli(p, ['status', '--json']);
        const again = s.json.services[0].instances.find((i: { id: string }) => i.id === victim.id);
        return again && again.restarts >= 1 && again.state === 'healthy' && again.pid !== victim.pid && again.inRotation ? again : undefined;
      },
      20_000,
    );
    assert.match(restarted.lastExit ?? '', /SIGKILL|killed|exited/);
    await waitFor('traffic after the restart', () => (load!.ok > 1500 ? true : undefined), 20_000);
    await load.stop();
    assert.deepEqual(load.failures, [], `failed requests: ${JSON.stringify(load.failures.slice(0, 10))}`);
    const text = await cli(p, ['status']);
    assert.match(text.stdout, new RegExp(`${victim.id}.*restarts 1`));
    assert.equal((await instancePids(p)).length, 2, 'exactly two instance processes after the restart');
  } finally {
    await load?.stop();
    await destroyProject(p);
  }
});
