// Limits and isolation of container instances, on a real Podman: `user` and `readOnly` (with a
// tmpfs) are what the app sees from inside; every capability is dropped and no new privileges
// granted; an app allocating past `resources.memory` is killed by the kernel (OOM) and its
// exit reported as out of memory; pids and CPU limits reach the engine.
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
import { recordExits, waitUntil } from '../helpers/driver-wait.js';
import { BUSYBOX_IMAGE, PodmanLab } from '../helpers/podman-lab.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const clean of cleanups.reverse()) await clean().catch(() => undefined);
});

const base: ContainerIsolation = { readOnly: false, tmpfs: [], capAdd: [] };

async function spec(id: string, script: string, isolation: ContainerIsolation): Promise<InstanceSpec> {
  return { id, service: 'web', releaseId: 'r1', cwd: '/', image: BUSYBOX_IMAGE, command: ['sh', '-c', script], env: {}, port: await freePort(), isolation };
}

test('user, readOnly + tmpfs are visible inside the container; capabilities dropped, no-new-privileges; memory limit kills an app past it', { timeout: 120_000 }, async () => {
  const lab = await PodmanLab.start();
  cleanups.push(() => lab.stop());
  const dir = await mkdtemp(join(tmpdir(), 'slipway-isolation-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const driver = new ContainerDriver({ stateDir: dir, socketPath: lab.socketPath, network: 'slirp4netns', pollMs: 100, timeoutMs: 10_000 });
  cleanups.push(() => driver.close());
  const exits = recordExits(driver);

  const locked = await driver.start(await spec('web-r1-locked', 'echo ready; sleep 300', { ...base, user: '1000:1000', readOnly: true, tmpfs: ['/scratch'], pids: 64, cpus: 0.5 }));
  const { container } = containerOf(locked);
  const exec = (script: string) => lab.podman(['exec', container, 'sh', '-c', script]);
  assert.equal((await exec('id -u; id -g')).trim(), '1000\n1000');
  await assert.rejects(exec('touch /made-here'), /Read-only file system/);
  assert.equal((await exec('echo ok > /scratch/f && cat /scratch/f')).trim(), 'ok', 'the tmpfs path is writable');
  const status = await exec('cat /proc/self/status');
  assert.match(status, /^CapEff:\s+0+$/m, 'no effective capability');
  assert.match(status, /^CapBnd:\s+0+$/m, 'none in the bounding set either');
  assert.match(status, /^NoNewPrivs:\s+1$/m);
  const host = JSON.parse(await lab.podman(['inspect', container]))[0].HostConfig;
  assert.equal(host.PidsLimit, 64);
  assert.equal(host.NanoCpus, 500_000_000);
  await driver.stop(locked, { graceMs: 0 });

  // Root without capabilities: the default for every container service.
  const plain = await driver.start(await spec('web-r1-plain', 'echo ready; sleep 300', base));
  const plainStatus = await lab.podman(['exec', containerOf(plain).container, 'cat', '/proc/self/status']);
  assert.match(plainStatus, /^CapEff:\s+0+$/m);
  await driver.stop(plain, { graceMs: 0 });

  // 64 MiB limit, an app that holds 200 MB in a shell variable: the kernel kills it.
  const hungry = await driver.start(await spec('web-r1-hungry', "sleep 0.5; x=$(dd if=/dev/zero bs=1M count=200 2>/dev/null | tr '\\0' a); echo survived; sleep 300", { ...base, memoryBytes: 64 * 1024 * 1024 }));
  await waitUntil(() => exits.some((e) => e.id === 'web-r1-hungry'), 'the memory hog to be killed', 60_000);
  assert.equal(exits.find((e) => e.id === 'web-r1-hungry')?.code, 137, 'killed by SIGKILL (OOM)');
  assert.ok(['reported', 'likely'].includes(exits.find((e) => e.id === 'web-r1-hungry')?.outOfMemory ?? ''), 'reported as killed by its memory limit');
  for (const id of ['web-r1-locked', 'web-r1-plain']) assert.equal(exits.find((e) => e.id === id)?.outOfMemory, undefined, `${id}: a stop is no OOM kill`);
  assert.ok(!(await driver.logs(hungry, 10)).includes('survived'));
  await driver.stop(hungry, { graceMs: 0 });
});
