import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { assignRelease } from '../../src/proxy/release-split.js';
import type { ServiceTable } from '../../src/proxy/protocol.js';
import { idleHealth, makeTable, startTestProxy, startUpstream, type Upstream } from '../helpers/proxy-fixtures.js';

const agent = new Agent({ connections: 8 });
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await agent.close();
});

const base: ServiceTable = { health: idleHealth, drainMs: 1000, targets: [] };

test('assignment follows the weights; a sticky cookie keeps its release while it has weight', () => {
  let seed = 1;
  const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const config: ServiceTable = { ...base, weights: { r1: 0.9, r2: 0.1 } };
  let canary = 0;
  for (let i = 0; i < 10_000; i++) if (assignRelease(config, {}, random).release === 'r2') canary++;
  assert.ok(canary > 850 && canary < 1150, `canary share ${canary / 10_000}`);

  const sticky: ServiceTable = { ...config, sticky: { kind: 'cookie', name: 'slipway_web' } };
  const fresh = assignRelease(sticky, {}, () => 0.95);
  assert.equal(fresh.release, 'r2');
  assert.equal(fresh.setCookie, 'slipway_web=r2; Path=/; HttpOnly; SameSite=Lax');
  const kept = assignRelease({ ...sticky, weights: { r1: 0.99, r2: 0.01 } }, { cookie: 'a=b; slipway_web=r2' }, () => 0);
  assert.deepEqual(kept, { release: 'r2', setCookie: undefined });
  const gone = assignRelease({ ...sticky, weights: { r1: 1 } }, { cookie: 'slipway_web=r2' }, () => 0.5);
  assert.equal(gone.release, 'r1', 'a release without weight no longer holds its clients');
  assert.match(gone.setCookie ?? '', /slipway_web=r1/);

  const byHeader: ServiceTable = { ...config, sticky: { kind: 'header', name: 'X-User' } };
  const users = Array.from({ length: 200 }, (_, i) => `user-${i}`);
  const at = (w: number): Set<string> =>
    new Set(users.filter((u) => assignRelease({ ...byHeader, weights: { r1: 1 - w, r2: w } }, { 'x-user': u }).release === 'r2'));
  const small = at(0.1);
  const large = at(0.5);
  assert.ok([...small].every((u) => large.has(u)), 'a user on the canary stays there as its weight grows');
  assert.equal(assignRelease({ ...base }, {}).release, undefined, 'no split: no assignment');
});

test('through the proxy: traffic splits by weight, and a cookie pins a client', async () => {
  const ups: Upstream[] = [await startUpstream('stable'), await startUpstream('canary')];
  for (const u of ups) cleanups.push(() => u.close());
  const p = await startTestProxy();
  cleanups.push(() => p.stop());
  const table = makeTable(1, {
    web: {
      targets: [
        { id: 'a', release: 'r1', port: ups[0]!.port },
        { id: 'b', release: 'r2', port: ups[1]!.port },
      ],
    },
  });
  const web = table.services['web']!;
  table.services['web'] = { ...web, weights: { r1: 0.8, r2: 0.2 }, sticky: { kind: 'cookie', name: 'slipway_web' } };
  const { httpPort } = await p.client.putTable(table);
  const url = `http://127.0.0.1:${httpPort}/`;
  const seen = { stable: 0, canary: 0 };
  let cookie = '';
  for (let i = 0; i < 400; i++) {
    const res = await request(url, { dispatcher: agent });
    const body = (await res.body.json()) as { upstream: 'stable' | 'canary' };
    seen[body.upstream]++;
    const set = res.headers['set-cookie'];
    assert.ok(set, 'every unpinned client is given its assignment');
    if (body.upstream === 'canary' && !cookie) cookie = String(set).split(';')[0] ?? '';
  }
  assert.ok(seen.canary > 40 && seen.canary < 130, `canary got ${seen.canary} of 400`);
  assert.match(cookie, /^slipway_web=r2$/);
  table.services['web'] = { ...web, weights: { r1: 0.95, r2: 0.05 }, sticky: { kind: 'cookie', name: 'slipway_web' } };
  await p.client.putTable({ ...table, version: 2 });
  for (let i = 0; i < 50; i++) {
    const res = await request(url, { headers: { cookie }, dispatcher: agent });
    const body = (await res.body.json()) as { upstream: string };
    assert.equal(body.upstream, 'canary', 'the pinned client stays on its release through a weight change');
    assert.equal(res.headers['set-cookie'], undefined);
  }
});
