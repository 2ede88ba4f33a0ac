import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { entryArgv } from '../../src/lib/entry-points.js';
import { ProxyClient } from '../../src/proxy/client.js';
import { findRunningProxy, spawnProxy } from '../../src/proxy/launch.js';
import { proxyPaths } from '../../src/proxy/paths.js';
import { SlipwayError } from '../../src/errors.js';
import { makeTable, startUpstream } from '../helpers/proxy-fixtures.js';
import { freePort } from '../helpers/proxy-ports.js';

const agent = new Agent();
const pids = new Set<number>();
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const c of cleanups.reverse()) await c();
  await agent.close();
});

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-proxy-proc-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function gone(pid: number, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    if (Date.now() > deadline) throw new Error(`pid ${pid} still alive`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('the proxy process restores table.json after SIGKILL and serves again', async () => {
  const app = await startUpstream('app');
  cleanups.push(() => app.close());
  const dir = await stateDir();
  const logFile = join(dir, 'logs', 'proxy.log');
  const port = await freePort();

  const first = await spawnProxy({ stateDir: dir, logFile });
  pids.add(first.pid);
  const client = new ProxyClient(proxyPaths(dir).socket);
  await client.putTable(makeTable(7, { web: { targets: [{ id: 'a', release: 'r1', port: app.port }] } }, { port }));
  const url = `http://127.0.0.1:${port}/`;
  assert.equal((await request(url, { dispatcher: agent })).statusCode, 200);
  assert.equal((await stat(proxyPaths(dir).socket)).mode & 0o777, 0o600);
  assert.equal((await readFile(proxyPaths(dir).pid, 'utf8')).trim(), String(first.pid));
  await assert.rejects(spawnProxy({ stateDir: dir, logFile }), { code: 'SLW_PROXY_ALREADY_RUNNING' });

  process.kill(first.pid, 'SIGKILL');
  await gone(first.pid);
  assert.equal(await findRunningProxy(dir), undefined);
  await assert.rejects(client.status(), (err: SlipwayError) => err.code === 'SLW_PROXY_UNREACHABLE');

  const second = await spawnProxy({ stateDir: dir, logFile });
  pids.add(second.pid);
  assert.notEqual(second.pid, first.pid);
  const found = await findRunningProxy(dir);
  assert.ok(found);
  const status = await found.status();
  assert.deepEqual([status.pid, status.tableVersion, status.httpPort], [second.pid, 7, port]);
  const res = await request(url, { dispatcher: agent });
  assert.equal(res.statusCode, 200);
  assert.equal(((await res.body.json()) as { upstream: string }).upstream, 'app');

  await found.shutdown();
  await gone(second.pid);
  await assert.rejects(stat(proxyPaths(dir).pid), { code: 'ENOENT' });
  const log = (await readFile(logFile, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { event: string });
  assert.ok(log.some((l) => l.event === 'listening'));
  assert.ok(log.some((l) => l.event === 'shutdown'));
});

test('SIGTERM lets an in-flight request finish, then the process exits 0', async () => {
  const app = await startUpstream('slow', (_req, res) => setTimeout(() => res.end('finished'), 500));
  cleanups.push(() => app.close());
  const dir = await stateDir();
  const child = spawn(process.execPath, entryArgv('proxy', ['--state-dir', dir]), { stdio: ['ignore', 'ignore', 'pipe'] });
  pids.add(child.pid ?? -1);
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const client = new ProxyClient(proxyPaths(dir).socket);
  for (let i = 0; !(await client.status().then(() => true, () => false)); i++) {
    assert.ok(i < 200, `proxy did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const { httpPort } = await client.putTable(makeTable(1, { web: { targets: [{ id: 'a', release: 'r1', port: app.port }] } }));
  const inflight = request(`http://127.0.0.1:${httpPort}/`, { dispatcher: agent });
  await new Promise((r) => setTimeout(r, 100));
  child.kill('SIGTERM');
  const res = await inflight;
  assert.equal(await res.body.text(), 'finished');
  assert.equal(await exited, 0);
  await assert.rejects(request(`http://127.0.0.1:${httpPort}/`, { dispatcher: new Agent() }), { code: 'ECONNREFUSED' });
});

test('a bad command line is a fatal startup error on stderr (exit 2)', async () => {
  const child = spawn(process.execPath, entryArgv('proxy', []), { stdio: ['ignore', 'pipe', 'pipe'] });
  pids.add(child.pid ?? -1);
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 2);
  assert.equal(stdout, '');
  assert.equal((JSON.parse(stderr.trim()) as { error: { code: string } }).error.code, 'SLW_USAGE');
});
