import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { findRunningProxy, spawnProxy } from '../../src/proxy/launch.js';
import { ProxyClient } from '../../src/proxy/client.js';
import type { SlipwayError } from '../../src/errors.js';
import { proxyPaths } from '../../src/proxy/paths.js';
import { pidsWithEnv } from '../../src/lib/process-scan.js';
import { makeTable } from '../helpers/proxy-fixtures.js';
import { freePort } from '../helpers/proxy-ports.js';
import { LoadGenerator } from '../helpers/load.js';
import { HeldWebSocket } from '../helpers/ws-watch.js';
import { HELLO } from '../helpers/e2e-project.js';
import { leafFor, testCa } from '../helpers/cert-fixtures.js';
import { H2Client } from '../helpers/h2-client.js';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { HandoffResult, RoutingTableInput } from '../../src/proxy/protocol.js';
import { ProxySupervisor } from '../../src/daemon/proxy-supervisor.js';
import { isPidAlive } from '../../src/lib/pid-alive.js';

// Every process started here carries this mark, so the test can count them and kill them by pid.
const MARK = `handoff-${randomBytes(6).toString('hex')}`;
process.env['SLIPWAY_TEST_MARK'] = MARK;
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const pid of await pidsWithEnv([`SLIPWAY_TEST_MARK=${MARK}`])) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const c of cleanups.reverse()) await c();
});

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-handoff-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** examples/hello on a free port (serves /, /slow?ms=, /ws). */
async function startHello(): Promise<number> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(HELLO, 'server.js')], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
  const pid = child.pid;
  cleanups.push(async () => {
    try {
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
    } catch {
      // already stopped with the rest of the marked processes
    }
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
    if (ok) return port;
    if (Date.now() > deadline) throw new Error('hello did not start');
    await sleep(50);
  }
}

async function exits(pid: number, ms: number): Promise<number> {
  const began = Date.now();
  while (isPidAlive(pid)) {
    if (Date.now() - began > ms) throw new Error(`pid ${pid} still alive after ${ms} ms`);
    await sleep(20);
  }
  return Date.now() - began;
}

/** Proxy processes of a state directory (their command line names the proxy entry point and the directory). */
async function proxyProcesses(dir: string): Promise<number[]> {
  const pids = await pidsWithEnv([`SLIPWAY_TEST_MARK=${MARK}`]);
  const out: number[] = [];
  for (const pid of pids) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '');
    if (/proxy[/\\]main\.(ts|js)/.test(cmd) && cmd.split('\0').includes(dir)) out.push(pid);
  }
  return out;
}

async function startProxy(drainMs: number): Promise<{ dir: string; pid: number; port: number; client: ProxyClient }> {
  const app = await startHello();
  const dir = await stateDir();
  const port = await freePort();
  const { pid } = await spawnProxy({ stateDir: dir, logFile: join(dir, 'logs', 'proxy.log') });
  const client = new ProxyClient(proxyPaths(dir).socket, { timeoutMs: 30_000 });
  await client.putTable(makeTable(3, { web: { targets: [{ id: 'a', release: 'r1', port: app }], drainMs } }, { port }));
  return { dir, pid, port, client };
}

test('a handoff under load: 0 failed requests, slow requests finish, the websocket stays on the old process until it closes', async () => {
  const { dir, pid: oldPid, port, client } = await startProxy(30_000);
  // A request crossing the old process's close of an idle connection is sent again once (RFC 9112 §9.3.1).
  const load = new LoadGenerator({ port, host: 'app.test', rps: 150, slow: 4, slowMs: 1500, retryStaleKeepAlive: true });
  const ws = new HeldWebSocket(port, 'app.test');
  try {
    await ws.openedAt;
    await sleep(800);
    const before = { ok: load.ok, messages: ws.messages };
    const result = await client.handoff();
    assert.equal(result.oldPid, oldPid);
    assert.notEqual(result.newPid, oldPid);
    assert.equal(result.listeners, 1);
    // From the answer on, the pid file and the control socket name the new process.
    assert.equal((await readFile(proxyPaths(dir).pid, 'utf8')).trim(), String(result.newPid));
    assert.equal((await client.status()).pid, result.newPid);
    assert.equal((await (await findRunningProxy(dir))?.status())?.pid, result.newPid);
    const table = await client.getTable();
    assert.equal(table.version, 3);
    // Table pushes reach the new process.
    const ack = await client.putTable({ ...makeTable(4, { web: { targets: table.services['web']?.targets ?? [], drainMs: 30_000 } }, { port }) });
    assert.equal(ack.version, 4);
    await sleep(2500);
    assert.ok(load.ok > before.ok + 100, `requests went on after the handoff (${load.ok - before.ok})`);
    assert.ok(ws.open, 'the websocket is still open');
    assert.ok(ws.messages > before.messages + 5, 'the websocket kept receiving');
    assert.ok(isPidAlive(oldPid), 'the old process stays while its websocket is open');
    const statusNew = await client.status();
    assert.ok((statusNew.services['web']?.['r1']?.requests ?? 0) > 0, 'the new process serves traffic');
    ws.close();
    const exitMs = await exits(oldPid, 10_000);
    assert.ok(exitMs < 8000, `the old process exits once its websocket closed (${exitMs} ms)`);
    await load.stop();
    assert.deepEqual(load.failures, [], `failed requests: ${JSON.stringify(load.failures.slice(0, 5))}`);
    assert.ok(load.retried <= 2, `requests that crossed an idle close and were sent again: ${load.retried}`);
    assert.ok(load.slowOk >= 4, `slow requests completed (${load.slowOk})`);
    assert.deepEqual(await proxyProcesses(dir), [result.newPid]);
  } finally {
    ws.close();
    await load.stop();
  }
});

test('a websocket on the old process is closed when the drain window ends; the old process exits then', async () => {
  const { dir, pid: oldPid, port, client } = await startProxy(1500);
  const ws = new HeldWebSocket(port, 'app.test');
  try {
    await ws.openedAt;
    const result = await client.handoff();
    const began = Date.now();
    const exitMs = await exits(oldPid, 10_000);
    assert.ok(exitMs >= 1000, `the old process waited for the websocket (${exitMs} ms)`);
    assert.ok(ws.closedAt !== undefined && ws.closedAt - began < 6000, 'the websocket was closed at the end of the drain window');
    assert.deepEqual(await proxyProcesses(dir), [result.newPid]);
    // A new websocket opens on the new process.
    const again = new HeldWebSocket(port, 'app.test');
    await again.openedAt;
    again.close();
  } finally {
    ws.close();
  }
});

test('a handoff that fails leaves the old proxy serving, with its pid file and control socket', async () => {
  const { dir, pid: oldPid, port, client } = await startProxy(5000);
  // The new process must load the running table from disk: a corrupt file makes it refuse to take over.
  const paths = proxyPaths(dir);
  const saved = await readFile(paths.table, 'utf8');
  await writeFile(paths.table, '{not json');
  const load = new LoadGenerator({ port, host: 'app.test', rps: 100 });
  try {
    await sleep(300);
    await assert.rejects(client.handoff(), (err: SlipwayError) => err.code === 'SLW_PROXY_HANDOFF_FAILED' && /loaded table version 0, not the running one \(3\)/.test(err.message));
    assert.equal((await client.status()).pid, oldPid);
    assert.equal((await readFile(paths.pid, 'utf8')).trim(), String(oldPid));
    await sleep(500);
    await load.stop();
    assert.deepEqual(load.failures, []);
    assert.ok(load.ok > 30);
    await waitUntil(async () => (await proxyProcesses(dir)).length === 1);
    assert.deepEqual(await proxyProcesses(dir), [oldPid]);
    // Fixed, the restart goes through.
    await writeFile(paths.table, saved);
    const result = await client.handoff();
    assert.equal(result.oldPid, oldPid);
    await exits(oldPid, 10_000);
  } finally {
    await load.stop();
  }
});

async function waitUntil(fn: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(100);
  }
}

test('HTTPS: the listening socket is handed over too; keep-alive HTTP/1.1 and HTTP/2 clients see no failure, table pushes after it included', async () => {
  const app = await startHello();
  const app2 = await startHello();
  const dir = await stateDir();
  const ca = await testCa();
  const leaf = await leafFor(ca, ['app.localhost']);
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  await writeFile(certFile, leaf.fullchain);
  await writeFile(keyFile, leaf.privkey);
  const [port, httpsPort] = [await freePort(), await freePort()];
  const { pid: oldPid } = await spawnProxy({ stateDir: dir, logFile: join(dir, 'logs', 'proxy.log') });
  const client = new ProxyClient(proxyPaths(dir).socket, { timeoutMs: 30_000 });
  const table = (version: number, ports: number[]): RoutingTableInput => {
    const t = makeTable(version, { web: { targets: ports.map((p, i) => ({ id: `i${i}-${p}`, release: `r${p}`, port: p })), drainMs: 20_000 } }, { port });
    return { ...t, listen: { ...t.listen, https: httpsPort }, tls: [{ hosts: ['app.localhost'], certFile, keyFile, redirectHttp: false }] };
  };
  await client.putTable(table(1, [app]));
  const agent = new HttpsAgent({ keepAlive: true, maxSockets: 4, ca: ca.certPem, servername: 'app.localhost' });
  const failures: string[] = [];
  let ok = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      await new Promise<void>((resolve) => {
        const req = httpsRequest({ host: '127.0.0.1', port: httpsPort, path: '/', headers: { host: 'app.localhost' }, agent, timeout: 5000 }, (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) ok++;
            else failures.push(`HTTP ${res.statusCode}`);
            resolve();
          });
        });
        req.on('error', (err) => {
          failures.push(err.message);
          resolve();
        });
        req.end();
      });
      await sleep(5);
    }
  })();
  // HTTP/2 clients too: their sessions on the old process get a GOAWAY, streams in flight
  // finish, and a client that behaves as browsers do (a request crossing the GOAWAY is refused
  // unprocessed and sent again) moves to the new process without a failure.
  const h2 = new H2Client(`https://127.0.0.1:${httpsPort}`, { ca: ca.certPem, servername: 'app.localhost' });
  let h2ok = 0;
  const h2failures: string[] = [];
  const h2loop = (async () => {
    while (running) {
      try {
        const status = await h2.get('/', 'app.localhost');
        if (status === 200) h2ok++;
        else h2failures.push(`HTTP ${status}`);
      } catch (err) {
        h2failures.push((err as Error).message);
      }
      await sleep(5);
    }
  })();
  const ws = new HeldWebSocket(port, 'app.localhost');
  try {
    await ws.openedAt;
    await sleep(500);
    const alpn = await new Promise<string | false>((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port: httpsPort, servername: 'app.localhost', ca: ca.certPem, ALPNProtocols: ['h2'] }, () => {
        resolve(s.alpnProtocol ?? false);
        s.end();
      });
      s.on('error', reject);
    });
    assert.equal(alpn, 'h2');
    const result = await client.handoff();
    assert.equal(result.listeners, 2);
    assert.equal((await client.status()).httpsPort, httpsPort);
    await sleep(1500);
    // Deploy-like table changes on the new process: a second release in, the first out.
    await client.putTable(table(2, [app, app2]));
    await sleep(500);
    await client.putTable(table(3, [app2]));
    await sleep(1500);
    ws.close();
    await exits(oldPid, 10_000);
    await sleep(1500);
    running = false;
    await loop;
    await h2loop;
    assert.deepEqual(failures, []);
    assert.ok(ok > 50, `HTTPS requests served: ${ok}`);
    assert.deepEqual(h2failures, []);
    assert.ok(h2ok > 50, `HTTP/2 requests served: ${h2ok}`);
    // The old process said goodbye with a graceful GOAWAY; at most the one request crossing it was sent again.
    assert.ok(h2.goaways.length >= 1 && h2.goaways.every((g) => g.code === 0), JSON.stringify(h2.goaways));
    assert.ok(h2.retried <= 1, `requests refused unprocessed and sent again: ${h2.retried}`);
    assert.deepEqual(await proxyProcesses(dir), [result.newPid]);
  } finally {
    running = false;
    ws.close();
    agent.destroy();
    await h2loop;
    h2.close();
  }
});

test('restarts in a row: a process that took over hands over again; 0 failed requests, each old process exits', async () => {
  const { dir, pid: first, port, client } = await startProxy(5000);
  const load = new LoadGenerator({ port, host: 'app.test', rps: 150, slow: 2, slowMs: 800, retryStaleKeepAlive: true });
  try {
    await sleep(500);
    const pids = [first];
    for (let i = 0; i < 3; i++) {
      const result = await client.handoff();
      assert.equal(result.oldPid, pids[pids.length - 1]);
      pids.push(result.newPid);
      await sleep(700);
    }
    for (const pid of pids.slice(0, -1)) await exits(pid, 10_000);
    await sleep(500);
    await load.stop();
    assert.deepEqual(load.failures, [], `failed requests: ${JSON.stringify(load.failures.slice(0, 5))}`);
    assert.ok(load.retried <= 2, `requests that crossed an idle close and were sent again: ${load.retried}`);
    assert.ok(load.ok > 200, `requests served: ${load.ok}`);
    assert.equal(new Set(pids).size, 4);
    assert.deepEqual(await proxyProcesses(dir), [pids[3]]);
    assert.equal((await client.status()).pid, pids[3]);
  } finally {
    await load.stop();
  }
});

test('after a handover the new process still enforces the header timeout (slow headers are cut)', async () => {
  const app = await startHello();
  const dir = await stateDir();
  const port = await freePort();
  const { pid: oldPid } = await spawnProxy({ stateDir: dir, logFile: join(dir, 'logs', 'proxy.log') });
  const client = new ProxyClient(proxyPaths(dir).socket, { timeoutMs: 30_000 });
  await client.putTable({ ...makeTable(1, { web: { targets: [{ id: 'a', release: 'r1', port: app }] } }, { port }), limits: { headerTimeoutMs: 500 } });
  await client.handoff();
  await exits(oldPid, 10_000);
  const began = Date.now();
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: app.test\r\nX-Slow: '));
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
    setTimeout(() => {
      socket.destroy();
      reject(new Error('the slow request was not cut within 5 s'));
    }, 5000).unref();
  });
  assert.match(answer, /^HTTP\/1\.1 408/);
  assert.ok(Date.now() - began < 3000, `cut after ${Date.now() - began} ms`);
});

test('one restart at a time: a second while one runs is refused with a code (daemon and proxy alike); the next one after it goes through', async () => {
  const { dir, pid: first, client } = await startProxy(1000);
  const supervisor = new ProxySupervisor(dir);
  const running = supervisor.restart();
  await assert.rejects(supervisor.restart(), (err: SlipwayError) => err.code === 'SLW_PROXY_RESTART_IN_PROGRESS' && /already in progress/.test(err.message));
  const result = await running;
  assert.equal(result.oldPid, first);
  // Two callers straight at the proxy (no daemon between them): the proxy takes one handover; the
  // other reaches the retiring process and is told it already handed over, or finds the new one.
  const [a, b] = await Promise.allSettled([new ProxyClient(proxyPaths(dir).socket, { timeoutMs: 30_000 }).handoff(), client.handoff()]);
  const done = [a, b].filter((r): r is PromiseFulfilledResult<HandoffResult> => r.status === 'fulfilled').map((r) => r.value);
  const refused = [a, b].filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as SlipwayError).code);
  assert.ok(done.length >= 1, JSON.stringify({ done, refused }));
  assert.ok(refused.every((code) => code === 'SLW_PROXY_SHUTTING_DOWN'), JSON.stringify(refused));
  // Handovers chain: each one's old pid is a previous one's new pid; the guard was released.
  const pids = [first, result.newPid, ...done.map((d) => d.newPid)];
  for (const d of done) assert.ok(pids.includes(d.oldPid), JSON.stringify({ pids, d }));
  const last = await supervisor.restart();
  for (const pid of [first, result.newPid, ...done.map((d) => d.newPid)]) if (pid !== last.newPid) await exits(pid, 10_000);
  await waitUntil(async () => (await proxyProcesses(dir)).length === 1);
  assert.deepEqual(await proxyProcesses(dir), [last.newPid]);
  supervisor.close();
});
