import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AccessLog } from '../../src/proxy/response-policy/access-log.js';
import type { RoutingTableInput } from '../../src/proxy/protocol.js';
import { makeTable, startTestProxy, startUpstream, type TestProxy, type Upstream } from '../helpers/proxy-fixtures.js';

const TEXT = 'a line of text worth compressing. '.repeat(200);

let app: Upstream;
let proxy: TestProxy;
let port = 0;
let version = 0;
let logFile: string;

before(async () => {
  app = await startUpstream('app', (req, res) => {
    if (req.url?.startsWith('/text')) {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(TEXT) });
      res.end(TEXT);
    } else if (req.url === '/chunked') {
      res.writeHead(201, { 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(300));
      res.end(Buffer.alloc(200));
    } else if (req.url === '/hang') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write('partial');
    } else {
      res.writeHead(204);
      res.end();
    }
  });
  proxy = await startTestProxy();
  logFile = join(proxy.stateDir, 'proxy', 'access.log');
  await push({});
});

after(async () => {
  await proxy?.stop();
  await app?.close();
});

async function push(extra: Partial<RoutingTableInput>): Promise<void> {
  const table = makeTable(++version, { web: { targets: [{ id: 'a1', release: 'r7', port: app.port }] }, down: { targets: [] } }, {
    port,
    routes: [
      { host: 'app.localhost', path: '/', service: 'web' },
      { host: 'app.localhost', path: '/down', service: 'down' },
    ],
  });
  const web = table.services['web'];
  if (web) web.compress = true;
  port = (await proxy.client.putTable({ ...table, ...extra })).httpPort;
}

function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers: { host: 'app.localhost', ...headers }, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function lines(): Promise<Record<string, unknown>[]> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Waits (the log is written in batches) until `n` lines are in the file. */
async function waitForLines(n: number): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const got = await lines();
    if (got.length >= n || Date.now() > deadline) return got;
    await sleep(50);
  }
}

test('one JSON line per request, with the request id, service, release, status, duration, bytes and client', async () => {
  const before = (await lines()).length;
  const text = await get('/text?token=s3cr3t', { 'accept-encoding': 'gzip', 'x-request-id': 'req-1' });
  const plain = await get('/text', { 'x-request-id': 'req-2' });
  const chunked = await get('/chunked', { 'x-request-id': 'req-3' });
  const down = await get('/down', { 'x-request-id': 'req-4' });
  const unrouted = await get('/', { host: 'nobody.localhost', 'x-request-id': 'req-5' });
  const all = (await waitForLines(before + 5)).slice(before);
  assert.equal(all.length, 5);
  const [first, second, third, fourth, fifth] = all;
  assert.deepEqual(Object.keys(first ?? {}), ['time', 'requestId', 'service', 'release', 'host', 'method', 'path', 'proto', 'status', 'durationMs', 'bytes', 'client']);
  assert.ok(!Number.isNaN(Date.parse(String(first?.['time']))));
  assert.equal(typeof first?.['durationMs'], 'number');
  assert.deepEqual(
    { ...first, time: undefined, durationMs: undefined },
    { time: undefined, durationMs: undefined, requestId: 'req-1', service: 'web', release: 'r7', host: 'app.localhost', method: 'GET', path: '/text', proto: 'http', status: 200, bytes: text.bytes, client: '127.0.0.1' },
  );
  assert.ok(text.bytes < Buffer.byteLength(TEXT), 'the compressed size is logged');
  assert.doesNotMatch(JSON.stringify(all), /s3cr3t/, 'no query string reaches the log');
  assert.equal(second?.['bytes'], Buffer.byteLength(TEXT));
  assert.equal(second?.['bytes'], plain.bytes);
  assert.deepEqual([third?.['status'], third?.['bytes']], [201, 500]);
  assert.equal(chunked.bytes, 500);
  assert.deepEqual([fourth?.['service'], fourth?.['release'], fourth?.['status'], fourth?.['bytes']], ['down', null, 503, down.bytes]);
  assert.deepEqual([fifth?.['service'], fifth?.['status'], fifth?.['bytes']], [null, 404, unrouted.bytes]);
});

test('behind a trusted proxy, the client is the address it forwarded; otherwise X-Forwarded-For is ignored', async () => {
  const before = (await lines()).length;
  await get('/text', { 'x-forwarded-for': '203.0.113.9' });
  await push({ trustedProxies: ['127.0.0.1/32'] });
  await get('/text', { 'x-forwarded-for': '203.0.113.9' });
  await push({});
  const [untrusted, trusted] = (await waitForLines(before + 2)).slice(before);
  assert.equal(untrusted?.['client'], '127.0.0.1');
  assert.equal(trusted?.['client'], '203.0.113.9');
});

test('a response cut short is marked aborted', async () => {
  const before = (await lines()).length;
  await new Promise<void>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/hang', headers: { host: 'app.localhost' }, agent: false }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', () => undefined);
    req.on('close', () => resolve());
    req.end();
    setTimeout(() => reject(new Error('no first chunk')), 5000).unref();
  });
  const [line] = (await waitForLines(before + 1)).slice(before);
  assert.equal(line?.['path'], '/hang');
  assert.equal(line?.['aborted'], true);
});

test('accessLog: false in the table stops the log', async () => {
  await push({ accessLog: false });
  const before = (await lines()).length;
  await get('/text');
  await sleep(500); // more than the batch interval
  assert.equal((await lines()).length, before);
  await push({});
  await get('/text');
  assert.equal((await waitForLines(before + 1)).length, before + 1);
});

test('the log rotates at its size limit and keeps the given number of files, losing no line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-access-'));
  try {
    const path = join(dir, 'access.log');
    const log = new AccessLog(path, { maxBytes: 4096, keep: 2, flushMs: 5 });
    const line = (i: number): string => JSON.stringify({ i, pad: 'x'.repeat(80) });
    for (let i = 0; i < 200; i++) {
      log.write(line(i));
      if (i % 10 === 9) await log.flush();
    }
    await log.close();
    const files = (await readdir(dir)).sort();
    assert.deepEqual(files, ['access.log', 'access.log.1', 'access.log.2']);
    for (const f of ['access.log.1', 'access.log.2']) {
      const size = (await stat(join(dir, f))).size;
      assert.ok(size >= 4096 && size < 4096 + 10 * 100, `${f} rotated at the limit (${size} bytes)`);
    }
    const kept = [];
    for (const f of ['access.log.2', 'access.log.1', 'access.log']) {
      const text = await readFile(join(dir, f), 'utf8');
      kept.push(...text.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { i: number }).i));
    }
    // Oldest files beyond `keep` are gone; what is kept is contiguous and ends with the last line.
    assert.equal(kept.at(-1), 199);
    assert.deepEqual(kept, Array.from({ length: kept.length }, (_, k) => 200 - kept.length + k));
    assert.ok(kept.length > 60, `${kept.length} lines kept`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('writing is batched off the request path: many lines, few writes, all in order', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-access-'));
  try {
    const path = join(dir, 'access.log');
    const log = new AccessLog(path, { flushMs: 50 });
    for (let i = 0; i < 5000; i++) log.write(JSON.stringify({ i }));
    assert.equal(await readFile(path, 'utf8').catch(() => ''), '', 'nothing is written synchronously');
    await log.close();
    const got = (await readFile(path, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { i: number }).i);
    assert.deepEqual(got, Array.from({ length: 5000 }, (_, i) => i));
    assert.equal(log.dropped, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
