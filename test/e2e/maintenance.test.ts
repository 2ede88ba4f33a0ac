// Issue 4, acceptance 6: maintenance on/off under load. From the moment `slipway maintenance on`
// returns every request gets the 503 maintenance page (and after `off`, 200 again), with no
// mixed window; an allowlisted client address passes; websockets get 503 too; health checks go
// on; the switch survives a daemon restart, a proxy restart and a proxy crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpAnswer, type HttpAnswer } from '../helpers/http-answer.js';
import { cli, destroyProject, isAlive, makeProject, setVersion, startAndDeploy, waitFor, type Project } from '../helpers/e2e-project.js';

const HOST = 'hello.localhost';

interface Sample {
  readonly start: number;
  readonly end: number;
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly body: string;
}

/** Concurrent keep-alive GET loops that record when each request started and what it got. */
class Recorder {
  readonly samples: Sample[] = [];
  readonly errors: string[] = [];
  #running = true;
  readonly #agent: Agent;
  readonly #loops: Promise<void>[] = [];

  constructor(port: number, options: { loops?: number; localAddress?: string } = {}) {
    this.#agent = new Agent({ keepAlive: true, maxSockets: 16, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    for (let i = 0; i < (options.loops ?? 4); i++) {
      this.#loops.push(
        (async () => {
          while (this.#running) {
            await this.#one(port);
            await sleep(5);
          }
        })(),
      );
    }
  }

  #one(port: number): Promise<void> {
    const start = Date.now();
    return new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/', headers: { host: HOST }, agent: this.#agent, timeout: 5000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          const retryAfter = res.headers['retry-after'];
          this.samples.push({ start, end: Date.now(), status: res.statusCode ?? 0, retryAfter, body });
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) => {
        this.errors.push(err.message);
        resolve();
      });
      req.end();
    });
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
    this.#agent.destroy();
  }
}

function get(port: number, headers: Record<string, string> = {}, localAddress?: string): Promise<HttpAnswer> {
  return httpAnswer({ host: '127.0.0.1', port, path: '/', headers: { host: HOST, ...headers }, agent: false, ...(localAddress ? { localAddress } : {}) });
}

/** The status a websocket upgrade is answered with (101 when it opens). */
function upgradeStatus(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/ws',
      agent: false,
      headers: { host: HOST, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

const isMaintenance = (s: Sample): boolean => s.status === 503 && s.retryAfter !== undefined && /Down for maintenance/.test(s.body);

async function expectMaintenance(p: Project, what: string): Promise<void> {
  const r = await get(p.port);
  assert.equal(r.status, 503, `${what}: ${r.status} ${r.body}`);
  assert.match(r.body, /Down for maintenance/, what);
}

test('maintenance on/off under load: immediate and atomic, allowlist, websockets, health, survives restarts', { timeout: 300_000 }, async () => {
  const p = await makeProject({ instances: 2 });
  let recorder: Recorder | undefined;
  try {
    await startAndDeploy(p);
    const idle = await cli(p, ['maintenance', '--json']);
    assert.equal(idle.code, 0, idle.stderr);
    assert.deepEqual([idle.json.entries, idle.json.services], [[], []]);

    // On for every service, under load.
    recorder = new Recorder(p.port);
    await sleep(1000);
    const onCalled = Date.now();
    const on = await cli(p, ['maintenance', 'on', '--json']);
    const onReturned = Date.now();
    assert.equal(on.code, 0, on.stdout + on.stderr);
    assert.deepEqual(on.json.services, ['web']);
    await sleep(1500);
    const offCalled = Date.now();
    const off = await cli(p, ['maintenance', 'off', '--json']);
    const offReturned = Date.now();
    assert.equal(off.code, 0, off.stdout + off.stderr);
    assert.deepEqual(off.json.entries, []);
    await sleep(1000);
    await recorder.stop();
    const samples = recorder.samples;
    assert.deepEqual(recorder.errors, []);
    const before = samples.filter((s) => s.end < onCalled);
    const during = samples.filter((s) => s.start > onReturned && s.end < offCalled);
    const afterOff = samples.filter((s) => s.start > offReturned);
    assert.ok(before.length > 20 && during.length > 20 && afterOff.length > 20, `samples: ${before.length} ${during.length} ${afterOff.length}`);
    assert.ok(before.every((s) => s.status === 200), 'all 200 before the switch');
    const notMaintenance = during.filter((s) => !isMaintenance(s));
    assert.deepEqual(notMaintenance.map((s) => s.status), [], 'every request started after `on` returned got the maintenance 503');
    assert.ok(afterOff.every((s) => s.status === 200), 'every request started after `off` returned got 200');
    // Nothing but 200 and the maintenance page in between either.
    assert.ok(samples.every((s) => s.status === 200 || isMaintenance(s)));
    assert.equal(during[0]?.retryAfter, '120');

    // One service, with a message (escaped) and an allowlisted address.
    const message = 'Back at <b>noon</b> & "soon"';
    const on2 = await cli(p, ['maintenance', 'on', 'web', '--message', message, '--allow', '127.0.0.2', '--allow', '10.0.0.0/8', '--json']);
    assert.equal(on2.code, 0, on2.stdout + on2.stderr);
    assert.deepEqual(on2.json.entries.map((e: { service?: string; allow: string[]; message?: string }) => [e.service, e.allow, e.message]), [
      ['web', ['127.0.0.2', '10.0.0.0/8'], message],
    ]);
    const page = await get(p.port);
    assert.equal(page.status, 503);
    assert.equal(page.headers['retry-after'], '120');
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.ok(page.body.includes('Back at &#60;b&#62;noon&#60;/b&#62; &#38; &#34;soon&#34;'), page.body);
    assert.ok(!page.body.includes('<b>'));
    const json = await get(p.port, { accept: 'application/json' });
    assert.equal(json.status, 503);
    assert.equal(JSON.parse(json.body).error.message, message);
    assert.equal((await get(p.port, {}, '127.0.0.2')).status, 200, 'the allowlisted address reaches the app');
    const allowed = new Recorder(p.port, { loops: 2, localAddress: '127.0.0.2' });
    const blocked = new Recorder(p.port, { loops: 2 });
    await sleep(1000);
    await allowed.stop();
    await blocked.stop();
    assert.ok(allowed.samples.length > 10 && allowed.samples.every((s) => s.status === 200), 'the allowlisted client passes');
    assert.ok(blocked.samples.length > 10 && blocked.samples.every(isMaintenance), 'everyone else gets the maintenance page');
    assert.equal(await upgradeStatus(p.port), 503, 'websocket upgrades get 503 too');

    // Health checks from the proxy to the instances go on: the instances stay healthy.
    await sleep(1500);
    const status = await cli(p, ['status', '--json']);
    const web = status.json.services.find((s: { name: string }) => s.name === 'web');
    assert.equal(web.maintenance, true, 'status shows the service in maintenance');
    assert.match((await cli(p, ['status'])).stdout, /web: active \S+.*in maintenance \(503\)/);
    const active = web.instances.filter((i: { role: string }) => i.role === 'active');
    assert.equal(active.length, 2);
    assert.ok(active.every((i: { healthy?: boolean }) => i.healthy === true), JSON.stringify(active));

    // Survives a daemon restart (and a deploy, which pushes a table built from the daemon's state).
    assert.equal((await cli(p, ['stop', '--keep-apps'])).code, 0);
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    await expectMaintenance(p, 'after a daemon restart');
    const kept = await cli(p, ['maintenance', '--json']);
    assert.deepEqual(kept.json.services, ['web']);
    await setVersion(p, 'v2');
    const deploy = await cli(p, ['deploy', '--json']);
    assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);
    await expectMaintenance(p, 'after a deploy');
    assert.equal((await get(p.port, {}, '127.0.0.2')).body.trim(), 'hello from v2');

    // Survives a proxy restart (handover) and a proxy crash (the daemon starts a new one).
    const restart = await cli(p, ['proxy', 'restart', '--json']);
    assert.equal(restart.code, 0, restart.stdout + restart.stderr);
    await expectMaintenance(p, 'after a proxy restart');
    process.kill(restart.json.newPid, 'SIGKILL');
    while (isAlive(restart.json.newPid)) await sleep(20);
    await waitFor('a new proxy', async () => {
      const s = await cli(p, ['proxy', 'status', '--json']);
      return s.json?.proxy?.up === true && s.json.proxy.pid !== restart.json.newPid ? true : undefined;
    });
    await waitFor('the proxy to listen', () => get(p.port).then(() => true, () => undefined));
    await expectMaintenance(p, 'after a proxy crash');

    const end = await cli(p, ['maintenance', 'off', 'web', '--json']);
    assert.equal(end.code, 0, end.stdout + end.stderr);
    const back = await get(p.port);
    assert.equal(back.status, 200);
    assert.equal((await cli(p, ['status', '--json'])).json.services[0].maintenance, undefined);
    assert.equal(back.body.trim(), 'hello from v2');
  } finally {
    await recorder?.stop();
    await destroyProject(p);
  }
});

test('maintenance: bad input is refused with a stable code and changes nothing', { timeout: 120_000 }, async () => {
  const p = await makeProject({ instances: 1 });
  try {
    await startAndDeploy(p);
    const unknown = await cli(p, ['maintenance', 'on', 'nosuch', '--json']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stdout + unknown.stderr, /SLW_MAINTENANCE_UNKNOWN_SERVICE/);
    const bad = await cli(p, ['maintenance', 'on', '--allow', '10.0.0.0/8,300.1.2.3', '--json']);
    assert.equal(bad.code, 2);
    assert.match(bad.stdout + bad.stderr, /SLW_MAINTENANCE_BAD_ADDRESS/);
    assert.match(bad.stdout + bad.stderr, /300\.1\.2\.3/);
    assert.deepEqual((await cli(p, ['maintenance', '--json'])).json.entries, []);
    assert.equal((await get(p.port)).status, 200, 'nothing changed');

    assert.equal((await cli(p, ['maintenance', 'on'])).code, 0);
    const partial = await cli(p, ['maintenance', 'off', 'web', '--json']);
    assert.equal(partial.code, 2);
    assert.match(partial.stdout + partial.stderr, /SLW_MAINTENANCE_ALL_ON/);
    assert.equal((await get(p.port)).status, 503, 'still in maintenance');
    const text = await cli(p, ['maintenance']);
    assert.match(text.stdout, /maintenance: on for every service/);
    assert.equal((await cli(p, ['maintenance', 'off'])).code, 0);
    assert.equal((await get(p.port)).status, 200);
  } finally {
    await destroyProject(p);
  }
});
