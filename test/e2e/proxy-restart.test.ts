// Issue 4, acceptance 7: `slipway proxy restart` under load (plain HTTP at ~150 req/s, 2-second
// requests in flight, a websocket held open, HTTPS requests on a keep-alive agent): 0 failed
// requests; the new process is a fresh one, the old one drains its websocket and exits, and no
// second proxy ever runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request as httpsRequest } from 'node:https';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, destroyProject, isAlive, makeProject, projectPids, serviceYaml, setVersion, type Project } from '../helpers/e2e-project.js';
import { freePort } from '../../src/lib/free-port.js';
import { LoadGenerator } from '../helpers/load.js';
import { HeldWebSocket } from '../helpers/ws-watch.js';

const HOST = 'hello.localhost';

/** A route with `tls: internal` on HOST, plain HTTP left serving (no redirect), a long drain for the websocket. */
async function writeConfig(p: Project, httpsPort: number): Promise<void> {
  const service = serviceYaml('web', { instances: 2, drain: '30s' }, HOST).replace(
    `      - host: ${HOST}\n`,
    `      - host: ${HOST}\n        tls: internal\n        redirectHttp: false\n`,
  );
  await writeFile(p.configFile, `version: 1\nproxy:\n  http: ${p.port}\n  https: ${httpsPort}\n  host: 127.0.0.1\nservices:\n${service}`);
}

/** Sequential HTTPS GETs over one keep-alive agent until stopped; every non-200 or error is a failure. */
class HttpsLoop {
  ok = 0;
  readonly failures: string[] = [];
  #running = true;
  readonly #agent: Agent;
  readonly #done: Promise<void>;

  constructor(port: number, ca: string) {
    this.#agent = new Agent({ keepAlive: true, maxSockets: 4, ca, servername: HOST });
    this.#done = (async () => {
      while (this.#running) {
        await this.#one(port);
        await sleep(10);
      }
    })();
  }

  #one(port: number): Promise<void> {
    return new Promise((resolve) => {
      const req = httpsRequest({ host: '127.0.0.1', port, path: '/', headers: { host: HOST }, agent: this.#agent, timeout: 5000 }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) this.ok++;
          else this.failures.push(`HTTP ${res.statusCode}`);
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) => {
        this.failures.push(err.message);
        resolve();
      });
      req.end();
    });
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#done;
    this.#agent.destroy();
  }
}

/** The project's proxy processes (the command line names the proxy entry point). */
async function proxyPids(p: Project): Promise<number[]> {
  const out: number[] = [];
  for (const pid of await projectPids(p)) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '');
    if (/proxy[/\\]main\.(js|ts)/.test(cmd)) out.push(pid);
  }
  return out;
}

test('proxy restart under load: 0 failed requests, websocket and slow requests kept, HTTPS handed over, one proxy left', { timeout: 300_000 }, async () => {
  const p = await makeProject();
  const httpsPort = await freePort();
  await writeConfig(p, httpsPort);
  let load: LoadGenerator | undefined;
  let tls: HttpsLoop | undefined;
  let ws: HeldWebSocket | undefined;
  try {
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    await setVersion(p, 'v1');
    const deploy = await cli(p, ['deploy', '--json']);
    assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);
    const ca = await cli(p, ['certs', 'ca', '--json']);
    assert.equal(ca.code, 0, ca.stderr);

    const before = await cli(p, ['proxy', 'status', '--json']);
    assert.equal(before.code, 0, before.stderr);
    const oldPid: number = before.json.proxy.pid;
    assert.equal(before.json.proxy.httpsPort, httpsPort);
    assert.deepEqual(await proxyPids(p), [oldPid]);

    // The old process closes connections idle for 1 s; a request crossing that close on the wire is
    // sent again once, as browsers do (RFC 9112 §9.3.1), and counted.
    load = new LoadGenerator({ port: p.port, host: HOST, rps: 150, loops: 8, slow: 3, slowMs: 2000, retryStaleKeepAlive: true });
    tls = new HttpsLoop(httpsPort, ca.json.pem);
    ws = new HeldWebSocket(p.port, HOST);
    await ws.openedAt;
    await sleep(2500); // slow requests are in flight on the old process when it hands over

    const slowBefore = load.slowOk;
    // Every proxy process seen while the restart runs and the old process drains.
    const seen = new Set<number>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const pid of await proxyPids(p)) seen.add(pid);
        await sleep(50);
      }
    })();
    const restart = await cli(p, ['proxy', 'restart', '--json']);
    assert.equal(restart.code, 0, restart.stdout + restart.stderr);
    const newPid: number = restart.json.newPid;
    assert.equal(restart.json.oldPid, oldPid);
    assert.notEqual(newPid, oldPid);
    assert.equal(restart.json.listeners, 2, 'the HTTP and the HTTPS listening sockets were handed over');
    assert.equal(restart.json.httpsPort, httpsPort);

    // From the moment the command returns, the daemon and the pid file know the new process.
    const after = await cli(p, ['proxy', 'status', '--json']);
    assert.equal(after.json.proxy.pid, newPid);
    assert.equal((await readFile(join(p.stateDir, 'proxy', 'proxy.pid'), 'utf8')).trim(), String(newPid));
    const status = await cli(p, ['status', '--json']);
    assert.equal(status.json.proxy.pid, newPid);
    const cmdline = await readFile(`/proc/${newPid}/cmdline`, 'latin1');
    assert.match(cmdline, /proxy[/\\]main\.js/, 'the new process is a fresh exec of the proxy entry point');

    const messagesAtRestart = ws.messages;
    const restartedAt = Date.now();
    await sleep(3000);
    assert.ok(ws.open, `the websocket stays open on the old process (closed ${ws.closedAt === undefined ? '?' : ws.closedAt - restartedAt} ms after the restart)`);
    assert.ok(ws.messages > messagesAtRestart + 5, `the websocket keeps receiving (${ws.messages - messagesAtRestart} messages since)`);
    assert.ok(isAlive(oldPid), 'the old process is still there while its websocket is open');
    assert.ok(load.slowOk > slowBefore, 'slow requests in flight at the restart completed');
    // A deploy after the restart reaches the new process (the daemon pushes tables to it).
    await setVersion(p, 'v2');
    const deploy2 = await cli(p, ['deploy', '--json']);
    assert.equal(deploy2.code, 0, deploy2.stdout + deploy2.stderr);

    ws.close();
    const closedAt = Date.now();
    while (isAlive(oldPid) && Date.now() - closedAt < 15_000) await sleep(50);
    assert.ok(!isAlive(oldPid), 'the old process exits once its websocket closed');

    await sleep(1000);
    sampling = false;
    await sampler;
    assert.deepEqual([...seen].sort(), [oldPid, newPid].sort(), 'no other proxy process ever ran');
    await load.stop();
    await tls.stop();
    assert.deepEqual(load.failures, [], `failed requests: ${JSON.stringify(load.failures.slice(0, 10))}`);
    assert.ok(load.retried <= 2, `requests that crossed an idle close and were sent again: ${load.retried}`);
    assert.deepEqual(tls.failures, [], `failed HTTPS requests: ${JSON.stringify(tls.failures.slice(0, 10))}`);
    assert.ok(load.ok > 500, `requests served: ${load.ok}`);
    assert.ok(tls.ok > 50, `HTTPS requests served: ${tls.ok}`);
    assert.ok(load.slowOk >= 3, `slow requests completed: ${load.slowOk}`);
    assert.deepEqual(await proxyPids(p), [newPid], 'exactly one proxy runs, the new one');
    const final = await cli(p, ['proxy', 'status', '--json']);
    assert.equal(final.json.proxy.pid, newPid);
  } finally {
    ws?.close();
    await load?.stop();
    await tls?.stop();
    await destroyProject(p);
  }
});
