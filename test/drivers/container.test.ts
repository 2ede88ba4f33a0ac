// The container driver against a real Podman serving the Docker Engine API on a private unix
// socket: the shared driver contract, then what only containers have (labels, the engine's
// logs and stats, a restart of the engine itself, coded errors). Every container and the
// service are removed in `after`, whatever happened.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ContainerDriver, type ContainerDriverOptions } from '../../src/drivers/container/container-driver.js';
import { containerOf } from '../../src/drivers/container/container-handle.js';
import type { InstanceSpec } from '../../src/drivers/driver.js';
import { freePort } from '../../src/lib/free-port.js';
import { recordExits, waitUntil } from '../helpers/driver-wait.js';
import { BUSYBOX_IMAGE, PodmanLab } from '../helpers/podman-lab.js';
import { runDriverContract } from './contract.js';

/** busybox httpd (a server nobody here wrote) on $PORT; leaves on SIGTERM; logs to stdout and stderr. */
const HTTPD = [
  'echo "id=$SLIPWAY_INSTANCE_ID service=$SLIPWAY_SERVICE release=$SLIPWAY_RELEASE greeting=$GREETING" > /www/info.txt',
  'echo "listening on $PORT"',
  'sleep 0.1', // the engine reads stdout and stderr from two pipes: keep their order certain
  'echo "to stderr" >&2',
  'trap "echo got SIGTERM; exit 0" TERM',
  'httpd -f -p "$PORT" -h /www & wait',
].join('; ');

/** Ignores SIGTERM: only the engine's SIGKILL after the grace period ends it. */
const STUBBORN = 'trap "echo ignoring SIGTERM" TERM; echo ready; while true; do sleep 1; done';

let lab: PodmanLab | undefined;
let labStarting: Promise<PodmanLab> | undefined;
const stateDirs: string[] = [];

/** One Podman for the whole file (starting it costs about a second). */
function podman(): Promise<PodmanLab> {
  labStarting ??= PodmanLab.start().then((l) => (lab = l));
  return labStarting;
}

after(async () => {
  await lab?.stop();
  for (const dir of stateDirs) await rm(dir, { recursive: true, force: true });
});

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-cstate-'));
  stateDirs.push(dir);
  return dir;
}

function driverOn(l: PodmanLab, dir: string, socketPath = l.socketPath, extra: Partial<ContainerDriverOptions> = {}): ContainerDriver {
  return new ContainerDriver({ stateDir: dir, socketPath, network: 'slirp4netns', pollMs: 100, timeoutMs: 10_000, ...extra });
}

async function spec(id: string, script = HTTPD, env: Record<string, string> = {}): Promise<InstanceSpec> {
  return { id, service: 'web', releaseId: 'r1', cwd: '/', image: BUSYBOX_IMAGE, command: ['sh', '-c', script], env, port: await freePort() };
}

async function get(port: number, path: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return `${res.status} ${await res.text()}`;
}

runDriverContract(
  'container (podman)',
  async () => {
    const l = await podman();
    const dir = await stateDir();
    const drivers = [driverOn(l, dir)];
    const make = (): ContainerDriver => {
      const d = driverOn(l, dir);
      drivers.push(d);
      return d;
    };
    return {
      driver: drivers[0] as ContainerDriver,
      sibling: make,
      crash: async (handle) => void (await l.podman(['kill', '--signal', 'KILL', containerOf(handle).container])),
      cleanup: async () => {
        for (const d of drivers) await d.close();
        await l.removeContainers(`slipway.owner=${dir}`);
      },
    };
  },
  (id) => spec(id),
);

describe('ContainerDriver on Podman', () => {
  let l: PodmanLab;
  let dir: string;
  let driver: ContainerDriver;
  before(async () => {
    l = await podman();
    dir = await stateDir();
    driver = driverOn(l, dir);
  });
  after(async () => {
    await driver?.close();
    if (l && dir) await l.removeContainers(`slipway.owner=${dir}`);
  });

  it('serves on 127.0.0.1:PORT with PORT, the markers and the env; logs and usage come from the engine', async () => {
    const s = await spec('web-r1-a', HTTPD, { GREETING: 'hi' });
    const handle = await driver.start(s);
    assert.deepEqual(handle.address, { host: '127.0.0.1', port: s.port });
    assert.match(handle.ref, /^container [0-9a-f]{12}$/);
    await waitUntil(() => get(s.port, '/info.txt').then((b) => b.startsWith('200'), () => false), 'httpd answering', 10_000);
    assert.equal(await get(s.port, '/info.txt'), '200 id=web-r1-a service=web release=r1 greeting=hi\n');
    assert.equal(await get(s.port, '/'), '200 hello from busybox\n');
    const labels = JSON.parse(await l.podman(['inspect', '--format', '{{json .Config.Labels}}', containerOf(handle).container])) as Record<string, string>;
    assert.equal(labels['slipway.owner'], dir);
    assert.equal(labels['slipway.instance'], 'web-r1-a');
    assert.deepEqual(await driver.logs(handle, 10), [`listening on ${s.port}`, 'to stderr'], 'stdout and stderr, in order');
    assert.deepEqual(await driver.logs(handle, 1), ['to stderr']);
    const usage = await driver.usage(handle);
    assert.ok(usage && usage.memoryBytes > 100_000 && usage.cpuSeconds > 0 && usage.cpuSeconds < 60, `usage ${JSON.stringify(usage)}`);
    const exits = recordExits(driver);
    await driver.stop(handle, { graceMs: 5000 });
    assert.deepEqual(exits, [{ id: 'web-r1-a', code: 0, signal: null }], 'the trap ran: a polite stop');
    assert.deepEqual(await l.containers(`slipway.instance=web-r1-a`), [], 'stop removes the container');
    await assert.rejects(fetch(`http://127.0.0.1:${s.port}/`), 'nothing listens any more');
    assert.deepEqual(await driver.logs(handle, 5), [], 'no logs once the container is removed');
    assert.equal(await driver.usage(handle), undefined);
  });

  it('stop sends SIGKILL after the grace period to a container that ignores SIGTERM', async () => {
    const handle = await driver.start(await spec('web-r1-b', STUBBORN));
    await waitUntil(async () => (await driver.logs(handle, 1)).includes('ready'), 'the app started', 10_000);
    const exits = recordExits(driver);
    const t0 = Date.now();
    await driver.stop(handle, { graceMs: 1000 });
    const took = Date.now() - t0;
    assert.ok(took >= 900 && took < 6000, `stop took ${took} ms`);
    assert.deepEqual(exits, [{ id: 'web-r1-b', code: 137, signal: null }]);
  });

  it('survives a restart of the engine API: a fresh driver adopts, watches and finds strays', async () => {
    const errors: string[] = [];
    const watcher = driverOn(l, dir, l.socketPath, { onBackgroundError: (err) => errors.push(err.code) });
    const kept = await watcher.start(await spec('web-r1-c'));
    const stray = await watcher.start(await spec('web-r1-d'));
    const watcherExits = recordExits(watcher);
    await driver.close();
    await l.stopService();
    await waitUntil(() => errors.length >= 2, 'the watcher noticing the engine is away');
    assert.ok(errors.every((code) => code === 'SLW_DRIVER_ENGINE_UNREACHABLE'), errors.join());
    assert.deepEqual(watcherExits, [], 'an engine that is away is no exit of its instances');
    await l.startService();
    await watcher.close();
    driver = driverOn(l, dir);
    const other = driverOn(l, await stateDir());
    const exits = recordExits(driver);
    assert.equal(await driver.adopt(kept), true);
    assert.deepEqual(await driver.findStrays(new Set([kept.id])), [stray]);
    assert.deepEqual(await other.findStrays(new Set()), [], 'another state dir sees none of them');
    await other.close();
    await l.podman(['kill', '--signal', 'KILL', containerOf(kept).container]);
    await waitUntil(() => exits.length > 0, 'onExit of the adopted instance');
    assert.deepEqual(exits, [{ id: 'web-r1-c', code: 137, signal: null }]);
    const leftovers = await driver.findStrays(new Set());
    assert.deepEqual(leftovers.map((h) => h.id).sort(), ['web-r1-c', 'web-r1-d'], 'an exited container is a stray too');
    for (const h of leftovers) await driver.stop(h, { graceMs: 1000 });
    assert.deepEqual(await driver.findStrays(new Set()), []);
    assert.deepEqual(await l.containers(`slipway.owner=${dir}`), []);
  });

  it('a restart under the same instance id replaces its exited container (reporting its exit first); a live one is refused', async () => {
    const slow = driverOn(l, dir, l.socketPath, { pollMs: 60_000 }); // the restart comes before any poll
    const first = await slow.start(await spec('web-r1-e'));
    await assert.rejects(slow.start(await spec('web-r1-e')), { code: 'SLW_DRIVER_INSTANCE_EXISTS' });
    const exits = recordExits(slow);
    await l.podman(['kill', '--signal', 'KILL', containerOf(first).container]);
    await l.podman(['wait', containerOf(first).container]);
    const again = await slow.start(await spec('web-r1-e'));
    assert.deepEqual(exits, [{ id: 'web-r1-e', code: 137, signal: null }], 'the exit of the replaced container, once');
    await slow.close();
    assert.notEqual(containerOf(again).container, containerOf(first).container);
    assert.equal((await driver.inspect(again)).running, true);
    assert.equal((await driver.inspect(first)).running, false);
    assert.deepEqual(await l.containers('slipway.instance=web-r1-e'), [containerOf(again).container]);
    await driver.stop(again, { graceMs: 2000 });
  });

  it('refuses a missing image, a missing command, a port in use and a spec without image with coded errors, leaving nothing', async () => {
    await assert.rejects(driver.start({ ...(await spec('web-r2-a')), image: 'localhost/no-such-image:1' }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'SLW_DRIVER_IMAGE_MISSING');
      assert.match(err.message, /localhost\/no-such-image:1/);
      return true;
    });
    await assert.rejects(driver.start({ ...(await spec('web-r2-b')), command: ['/bin/no-such-program'] }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'SLW_DRIVER_SPAWN_FAILED');
      assert.match(err.message, /no-such-program/);
      return true;
    });
    const holder = createServer();
    const held = await spec('web-r2-d');
    await new Promise<void>((resolve) => holder.listen(held.port, '127.0.0.1', resolve));
    try {
      await assert.rejects(driver.start(held), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'SLW_DRIVER_SPAWN_FAILED');
        assert.match(err.message, /address already in use/);
        return true;
      });
    } finally {
      holder.close();
    }
    await assert.rejects(driver.start({ ...(await spec('web-r2-c')), image: undefined }), { code: 'SLW_DRIVER_INVALID_SPEC' });
    assert.deepEqual(await l.containers(`slipway.owner=${dir}`), [], 'no container left behind');
  });

  it('an unreachable engine is SLW_DRIVER_ENGINE_UNREACHABLE, for every call', async () => {
    const missing = driverOn(l, dir, join(dir, 'no-engine.sock'));
    await assert.rejects(missing.start(await spec('web-r3-a')), { code: 'SLW_DRIVER_ENGINE_UNREACHABLE' });
    await assert.rejects(missing.engineVersion(), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'SLW_DRIVER_ENGINE_UNREACHABLE');
      assert.match(err.message, /no-engine\.sock.*ENOENT/);
      return true;
    });
    // No socket at all: no engine on this host, so no container of it can be a stray (a daemon boots without Docker).
    assert.deepEqual(await missing.findStrays(new Set()), []);
    await missing.close();
    const hungSockets: Socket[] = [];
    const hung = createServer((socket) => void hungSockets.push(socket)); // accepts, never answers
    const hungSocket = join(dir, 'hung.sock');
    await new Promise<void>((resolve) => hung.listen(hungSocket, resolve));
    try {
      const slow = driverOn(l, dir, hungSocket, { timeoutMs: 300 });
      const t0 = Date.now();
      await assert.rejects(slow.start(await spec('web-r3-b')), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'SLW_DRIVER_ENGINE_UNREACHABLE');
        assert.match(err.message, /did not answer .* within 300 ms/);
        return true;
      });
      assert.ok(Date.now() - t0 < 3000, 'the deadline holds');
      await assert.rejects(slow.findStrays(new Set()), { code: 'SLW_DRIVER_ENGINE_UNREACHABLE' }, 'a socket that does not answer is no proof of no strays');
      await slow.close();
    } finally {
      hung.close();
      for (const socket of hungSockets) socket.destroy();
    }
    const version = await driver.engineVersion();
    assert.match(version.engine, /podman/i);
  });
});
