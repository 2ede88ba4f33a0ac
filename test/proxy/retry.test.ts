import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { makeTable, startTestProxy, startUpstream, type Upstream, type TestProxy } from '../helpers/proxy-fixtures.js';

const agent = new Agent();
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await agent.close();
});

async function setup(): Promise<{ live: Upstream; dead: Upstream; proxy: TestProxy; url: string }> {
  const live = await startUpstream('live');
  const dead = await startUpstream('dead');
  const proxy = await startTestProxy();
  cleanups.push(() => live.close(), () => dead.close(), () => proxy.stop());
  const { httpPort } = await proxy.client.putTable(
    makeTable(1, {
      web: {
        targets: [
          { id: 'dead', release: 'r-dead', port: dead.port },
          { id: 'live', release: 'r-live', port: live.port },
        ],
      },
    }),
  );
  return { live, dead, proxy, url: `http://127.0.0.1:${httpPort}` };
}

test('GETs are retried on another target when one server is gone: 0 failures', async () => {
  const { dead, proxy, url } = await setup();
  // warm both pools so the dead one holds a keep-alive connection that will be cut
  for (let i = 0; i < 4; i++) await (await request(url, { dispatcher: agent })).body.text();
  await dead.close();
  const statuses = await Promise.all(
    Array.from({ length: 50 }, async () => {
      const res = await request(`${url}/x`, { dispatcher: agent });
      await res.body.text();
      return res.statusCode;
    }),
  );
  assert.deepEqual(
    statuses.filter((s) => s !== 200),
    [],
  );
  const status = await proxy.client.status();
  assert.ok((status.services['web']?.['r-dead']?.connErrors ?? 0) >= 1);
  assert.equal(status.targets.find((t) => t.id === 'dead')?.healthy, false);
});

test('POST is not retried: the attempt that hit the gone server gets 502', async () => {
  const { live, dead, url } = await setup();
  await dead.close();
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) {
    const res = await request(`${url}/submit`, { method: 'POST', body: 'payload', dispatcher: agent });
    await res.body.text();
    statuses.push(res.statusCode);
  }
  assert.deepEqual(statuses, [502, 200, 200, 200, 200, 200]);
  assert.equal(live.seen.filter((r) => r.method === 'POST').length, 5);
});

test('a GET whose keep-alive connection is reset is retried on the same (only) target', async () => {
  let calls = 0;
  const flaky = await startUpstream('flaky', (req, res) => {
    if (++calls === 1) req.socket.destroy();
    else res.end('ok');
  });
  const proxy = await startTestProxy();
  cleanups.push(() => flaky.close(), () => proxy.stop());
  const { httpPort } = await proxy.client.putTable(makeTable(1, { web: { targets: [{ id: 'f', release: 'r', port: flaky.port }] } }));
  const res = await request(`http://127.0.0.1:${httpPort}/`, { dispatcher: agent });
  assert.equal(res.statusCode, 200);
  assert.equal(await res.body.text(), 'ok');
  assert.equal(calls, 2);
});
