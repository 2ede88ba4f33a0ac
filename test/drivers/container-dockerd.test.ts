// The container driver against a real dockerd (Debian's docker.io, a private instance: see
// test/helpers/docker-lab.ts), not only Podman: the shared driver contract, then limits that
// only an engine enforces: `user` and `readOnly` seen from inside, and a memory limit whose kill
// dockerd reports (OOMKilled), so the exit says "reported", not "likely". Containers use the
// host's network (dockerd here sets up no bridge), so the app itself listens on 127.0.0.1.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { ContainerIsolation } from '../../src/config/container-model.js';
import { ContainerDriver } from '../../src/drivers/container/container-driver.js';
import { containerOf } from '../../src/drivers/container/container-handle.js';
import type { InstanceSpec } from '../../src/drivers/driver.js';
import { freePort } from '../../src/lib/free-port.js';
import { DockerLab } from '../helpers/docker-lab.js';
import { recordExits, waitUntil } from '../helpers/driver-wait.js';
import { BUSYBOX_IMAGE } from '../helpers/podman-lab.js';
import { runDriverContract } from './contract.js';

/** busybox httpd on 127.0.0.1:$PORT (host network); leaves on SIGTERM. */
const HTTPD = 'echo "listening on $PORT"; trap "echo got SIGTERM; exit 0" TERM; httpd -f -p "127.0.0.1:$PORT" -h /www & wait';

let lab: DockerLab | undefined;
let labStarting: Promise<DockerLab> | undefined;
const stateDirs: string[] = [];

function docker(): Promise<DockerLab> {
  labStarting ??= DockerLab.start().then((l) => (lab = l));
  return labStarting;
}

after(async () => {
  await lab?.stop();
  for (const dir of stateDirs) await rm(dir, { recursive: true, force: true });
});

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-dstate-'));
  stateDirs.push(dir);
  return dir;
}

function driverOn(l: DockerLab, dir: string): ContainerDriver {
  return new ContainerDriver({ stateDir: dir, socketPath: l.socketPath, network: 'host', pollMs: 100, timeoutMs: 20_000 });
}

async function spec(id: string, script = HTTPD, isolation?: ContainerIsolation): Promise<InstanceSpec> {
  return { id, service: 'web', releaseId: 'r1', cwd: '/', image: BUSYBOX_IMAGE, command: ['sh', '-c', script], env: {}, port: await freePort(), ...(isolation ? { isolation } : {}) };
}

runDriverContract(
  'container (dockerd)',
  async () => {
    const l = await docker();
    const dir = await stateDir();
    const drivers = [driverOn(l, dir)];
    return {
      driver: drivers[0] as ContainerDriver,
      sibling: () => {
        const d = driverOn(l, dir);
        drivers.push(d);
        return d;
      },
      crash: async (handle) => void (await l.docker(['kill', '--signal', 'KILL', containerOf(handle).container])),
      cleanup: async () => {
        for (const d of drivers) await d.close();
        await l.removeContainers(`slipway.owner=${dir}`);
      },
    };
  },
  (id) => spec(id),
);

test('dockerd: user and readOnly from inside; a memory kill is reported by the engine', { timeout: 120_000 }, async () => {
  const l = await docker();
  const driver = driverOn(l, await stateDir());
  const exits = recordExits(driver);
  try {
    const base: ContainerIsolation = { readOnly: false, tmpfs: [], capAdd: [] };
    const locked = await driver.start(await spec('web-r1-locked', 'echo ready; sleep 300', { ...base, user: '1000:1000', readOnly: true, tmpfs: ['/scratch'] }));
    const exec = (script: string) => l.docker(['exec', containerOf(locked).container, 'sh', '-c', script]);
    assert.equal((await exec('id -u; id -g')).trim(), '1000\n1000');
    await assert.rejects(exec('touch /made-here'), /Read-only file system/);
    assert.match(await exec('cat /proc/self/status'), /^CapEff:\s+0+$/m);
    await driver.stop(locked, { graceMs: 0 });

    const hungry = await driver.start(await spec('web-r1-hungry', "sleep 0.5; x=$(dd if=/dev/zero bs=1M count=200 2>/dev/null | tr '\\0' a); echo survived; sleep 300", { ...base, memoryBytes: 64 * 1024 * 1024 }));
    await waitUntil(() => exits.some((e) => e.id === 'web-r1-hungry'), 'the memory hog to be killed', 60_000);
    const exit = exits.find((e) => e.id === 'web-r1-hungry');
    assert.equal(exit?.code, 137);
    assert.equal(exit?.outOfMemory, 'reported', 'dockerd sets OOMKilled');
    assert.equal(exits.find((e) => e.id === 'web-r1-locked')?.outOfMemory, undefined);
    await driver.stop(hungry, { graceMs: 0 });
  } finally {
    await driver.close();
  }
});
