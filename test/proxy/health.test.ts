import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { fastHealth, makeTable, startTestProxy, startUpstream, type Upstream } from '../helpers/proxy-fixtures.js';

const agent = new Agent();
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await agent.close();
});

/** An app whose /healthz answers 200 or 503 as told; other paths echo its name. */
async function app(name: string): Promise<Upstream & { health: { sick: boolean } }> {
  const health = { sick: false };
  const up = await startUpstream(name, (req, res) => {
    if (req.url === '/healthz') {
      res.statusCode = health.sick ? 503 : 200;
      res.end();
    } else res.end(name);
  });
  cleanups.push(() => up.close());
  return { ...up, close: up.close, health };
}

async function until(what: string, check: () => Promise<boolean>, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a failing health check takes a target out of rotation; passing again brings it back', async () => {
  const a = await app('a');
  const b = await app('b');
  const p = await startTestProxy();
  cleanups.push(() => p.stop());
  const changes: string[] = [];
  p.events.on('target-health', (e) => changes.push(`${e.id}:${e.healthy ? 'up' : 'down'}`));
  const { httpPort } = await p.client.putTable(
    makeTable(1, {
      web: {
        health: fastHealth,
        targets: [
          { id: 'a', release: 'r1', port: a.port },
          { id: 'b', release: 'r1', port: b.port },
        ],
      },
    }),
  );
  const hit = async (): Promise<string> => (await request(`http://127.0.0.1:${httpPort}/`, { dispatcher: agent })).body.text();
  const spread = async (n: number): Promise<Set<string>> => new Set(await Promise.all(Array.from({ length: n }, hit)));

  assert.deepEqual(await spread(10), new Set(['a', 'b']));
  a.health.sick = true;
  const healthyOf = async (id: string) => (await p.client.status()).targets.find((t) => t.id === id)?.healthy;
  await until('a unhealthy', async () => (await healthyOf('a')) === false);
  const down = (await p.client.status()).targets.find((t) => t.id === 'a');
  assert.ok((down?.consecutiveFailures ?? 0) >= fastHealth.fall);
  assert.equal(down?.lastError, 'HTTP 503');
  assert.deepEqual(await spread(10), new Set(['b']));

  a.health.sick = false;
  await until('a healthy', async () => (await healthyOf('a')) === true);
  assert.deepEqual(await spread(10), new Set(['a', 'b']));
  assert.deepEqual(changes, ['a:down', 'a:up']);
});

test('a target that stops accepting connections is taken out by the checks alone', async () => {
  const a = await app('a');
  const b = await app('b');
  const p = await startTestProxy();
  cleanups.push(() => p.stop());
  await p.client.putTable(
    makeTable(1, {
      web: { health: fastHealth, targets: [{ id: 'a', release: 'r1', port: a.port }, { id: 'b', release: 'r1', port: b.port }] },
    }),
  );
  await a.close();
  await until('a unhealthy', async () => (await p.client.status()).targets.find((t) => t.id === 'a')?.healthy === false);
  assert.equal((await p.client.status()).targets.find((t) => t.id === 'b')?.healthy, true);
});
