// The state directory on a 300 MiB tmpfs (preflight wants 256 MB free before a deploy); a deploy whose release snapshot fills it (a large file
// in the source), under load: the deploy fails with SLW_DISK_FULL (not an internal error),
// the lock is free again, the old release keeps serving with 0 failed requests. Root only
// (mount); the tmpfs is unmounted in cleanup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, destroyProject, makeProject, setVersion, startAndDeploy } from '../helpers/e2e-project.js';
import { LoadGenerator } from '../helpers/load.js';

const isRoot = process.getuid?.() === 0;

test('a deploy that fills the disk fails with SLW_DISK_FULL, frees the lock, and the old release serves on: 0 failed requests', { skip: !isRoot && 'needs root to mount a tmpfs', timeout: 180_000 }, async () => {
  const p = await makeProject({ instances: 1, watch: '1s' });
  let mounted = false;
  let load: LoadGenerator | undefined;
  try {
    await mkdir(p.stateDir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=300m', 'tmpfs', p.stateDir]);
    mounted = true;
    await startAndDeploy(p);
    // Written before the load starts: making the file is setup, not what is measured.
    await setVersion(p, 'v2-huge');
    await writeFile(join(p.appDir, 'huge.bin'), Buffer.alloc(320 * 1024 * 1024, 7)); // more than the disk has
    load = new LoadGenerator({ port: p.port, host: 'hello.localhost', rps: 100, loops: 4 });
    await new Promise((r) => setTimeout(r, 1000));
    const deploy = await cli(p, ['deploy', '--json']);
    assert.notEqual(deploy.code, 0, deploy.stdout + deploy.stderr);
    assert.equal(deploy.json?.ok, false, deploy.stdout + deploy.stderr);
    assert.equal(deploy.json.error.code, 'SLW_DISK_FULL', deploy.stdout + deploy.stderr);
    assert.doesNotMatch(deploy.stdout + deploy.stderr, /bug in slipway/);

    const lock = await cli(p, ['lock', 'status', '--json']);
    assert.equal(lock.code, 0, lock.stdout + lock.stderr);
    assert.equal(lock.json.lock, null, `lock still held: ${lock.stdout}`);
    const status = await cli(p, ['status', '--json']);
    assert.equal(status.json.services[0].activeRelease, 'r1');
    await load.stop();
    assert.deepEqual(load.failures, []);
    assert.ok(load.ok > 100, `${load.ok} requests`);
  } finally {
    await load?.stop();
    await destroyProject(p).catch(() => undefined);
    if (mounted) execFileSync('umount', ['-l', p.stateDir]);
    await rm(p.dir, { recursive: true, force: true });
  }
});
