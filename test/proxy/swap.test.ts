import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { Agent, request } from 'undici';
import { SlipwayError } from '../../src/errors.js';
import { makeTable, startTestProxy, startUpstream, type Upstream } from '../helpers/proxy-fixtures.js';
import { freePort } from '../helpers/proxy-ports.js';

const agent = new Agent({ connections: 16 });
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await agent.close();
});

async function upstream(name: string, handler?: Parameters<typeof startUpstream>[1]): Promise<Upstream> {
  const up = await startUpstream(name, handler);
  cleanups.push(() => up.close());
  return up;
}

async function proxy() {
  const p = await startTestProxy();
  cleanups.push(() => p.stop());
  return p;
}

const only = (version: number, up: Upstream, drainMs = 5000) =>
  makeTable(version, { web: { drainMs, targets: [{ id: up.name, release: up.name, port: up.port }] } });

test('20 table swaps between two upstreams under continuous load: 0 failures', async () => {
  const [a, b] = [await upstream('a'), await upstream('b')];
  const p = await proxy();
  const { httpPort } = await p.client.putTable(only(1, a));
  const url = `http://127.0.0.1:${httpPort}/load`;
  let stop = false;
  const failures: string[] = [];
  const served = new Map<string, number>();
  const worker = async (): Promise<void> => {
    while (!stop) {
      try {
        const res = await request(url, { dispatcher: agent });
        const body = (await res.body.json()) as { upstream: string };
        if (res.statusCode !== 200) failures.push(`HTTP ${res.statusCode}`);
        served.set(body.upstream, (served.get(body.upstream) ?? 0) + 1);
      } catch (err) {
        failures.push(String(err));
      }
    }
  };
  const workers = Array.from({ length: 8 }, worker);
  for (let v = 2; v <= 21; v++) {
    await new Promise((r) => setTimeout(r, 100));
    const ack = await p.client.putTable(only(v, v % 2 === 0 ? b : a));
    assert.equal(ack.version, v);
    assert.equal(ack.httpPort, httpPort);
  }
  stop = true;
  await Promise.all(workers);
  assert.deepEqual(failures, []);
  assert.ok((served.get('a') ?? 0) > 50 && (served.get('b') ?? 0) > 50, JSON.stringify([...served]));
});

test('a 2 s in-flight request survives the removal of its target; new requests go to the new one', async () => {
  const slow = await upstream('slow', (_req, res) => setTimeout(() => res.end('slow done'), 2000));
  const fast = await upstream('fast');
  const p = await proxy();
  const drained: string[] = [];
  p.events.on('target-drained', (e) => drained.push(e.id));
  const { httpPort } = await p.client.putTable(only(1, slow));
  const inflight = request(`http://127.0.0.1:${httpPort}/`, { dispatcher: agent });
  await new Promise((r) => setTimeout(r, 200));
  await p.client.putTable(only(2, fast));
  const draining = (await p.client.status()).targets.find((t) => t.id === 'slow');
  assert.deepEqual([draining?.inRotation, draining?.inflight], [false, 1]);
  const next = await request(`http://127.0.0.1:${httpPort}/`, { dispatcher: agent });
  assert.equal(((await next.body.json()) as { upstream: string }).upstream, 'fast');
  const res = await inflight;
  assert.equal(res.statusCode, 200);
  assert.equal(await res.body.text(), 'slow done');
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(drained, ['slow']);
  assert.equal((await p.client.status()).targets.some((t) => t.id === 'slow'), false);
});

test('an in-flight request is cut when the drain window ends first', async () => {
  const slow = await upstream('slow', (_req, res) => setTimeout(() => res.end('late'), 3000));
  const fast = await upstream('fast');
  const p = await proxy();
  const { httpPort } = await p.client.putTable(only(1, slow, 300));
  const started = Date.now();
  const inflight = request(`http://127.0.0.1:${httpPort}/`, { dispatcher: agent }).then((r) => r.statusCode, () => 'cut');
  await new Promise((r) => setTimeout(r, 100));
  await p.client.putTable(only(2, fast));
  assert.equal(await inflight, 502);
  assert.ok(Date.now() - started < 2000);
});

test('a stale table is refused with SLW_PROXY_STALE_TABLE and changes nothing', async () => {
  const a = await upstream('a');
  const b = await upstream('b');
  const p = await proxy();
  await p.client.putTable(only(5, a));
  const saved = await readFile(p.running.paths.table, 'utf8');
  await assert.rejects(p.client.putTable(only(4, b)), (err: SlipwayError) => {
    assert.equal(err.code, 'SLW_PROXY_STALE_TABLE');
    return true;
  });
  await assert.rejects(p.client.putTable(only(5, b)), { code: 'SLW_PROXY_STALE_TABLE' });
  assert.equal((await p.client.putTable(only(5, a))).version, 5, 'the same table again is an idempotent no-op');
  assert.equal(await readFile(p.running.paths.table, 'utf8'), saved);
  assert.equal((await p.client.getTable()).services['web']?.targets[0]?.id, 'a');
  await assert.rejects(p.client.putTable({ version: 6 } as never), { code: 'SLW_PROXY_BAD_TABLE' });
});

test('table.json is written before the swap and matches the committed table', async () => {
  const a = await upstream('a');
  const p = await proxy();
  await assert.rejects(p.client.getTable(), { code: 'SLW_PROXY_NO_TABLE' });
  await p.client.putTable(only(1, a));
  const saved = JSON.parse(await readFile(p.running.paths.table, 'utf8')) as unknown;
  assert.deepEqual(saved, await p.client.getTable());
});

test('a new listen port rebinds; a port in use is refused with SLW_PROXY_LISTEN_FAILED and changes nothing', async () => {
  const a = await upstream('a');
  const p = await proxy();
  const first = await p.client.putTable(only(1, a));
  const wanted = await freePort();
  const second = await p.client.putTable({ ...only(2, a), listen: { host: '127.0.0.1', http: wanted } });
  assert.equal(second.httpPort, wanted);
  assert.equal((await request(`http://127.0.0.1:${wanted}/`, { dispatcher: agent }).then((r) => r.body.json())) !== undefined, true);
  await assert.rejects(request(`http://127.0.0.1:${first.httpPort}/`, { dispatcher: new Agent() }), { code: 'ECONNREFUSED' });

  const blocker = createServer();
  const busy = await freePort();
  await new Promise<void>((resolve) => blocker.listen(busy, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => blocker.close(() => resolve())));
  await assert.rejects(p.client.putTable({ ...only(3, a), listen: { host: '127.0.0.1', http: busy } }), (err: SlipwayError) => {
    assert.equal(err.code, 'SLW_PROXY_LISTEN_FAILED');
    assert.match(err.message, new RegExp(`port ${busy}`));
    assert.match(err.hint, /ss -ltnp/);
    return true;
  });
  const status = await p.client.status();
  assert.deepEqual([status.tableVersion, status.httpPort], [2, wanted]);
});
