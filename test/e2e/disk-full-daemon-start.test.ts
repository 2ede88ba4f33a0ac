// A daemon (re)started while its state directory's file system is full (a 300 MiB tmpfs,
// root only): the apps and the proxy started before keep serving under load (0 failed
// requests), and the start either works or ends with a coded error that says the disk is
// full (SLW_DISK_FULL: not SLW_STATE_CORRUPT, whose fix would be restoring the state), never
// "a bug in slipway", and never leaves a second proxy behind.
import { fillDisk } from '../helpers/fill-disk.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, daemonPid, destroyProject, isAlive, makeProject, projectPids, startAndDeploy, waitFor, type Project } from '../helpers/e2e-project.js';
import { LoadGenerator } from '../helpers/load.js';

const isRoot = process.getuid?.() === 0;


/** Pids of the project's proxy processes (their command line names the proxy entry point). */
async function proxyPids(p: Project): Promise<number[]> {
  const out: number[] = [];
  for (const pid of await projectPids(p)) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (/proxy[/\\]main\.(js|ts)/.test(cmd)) out.push(pid);
  }
  return out;
}

test('a daemon started on a full disk: the apps serve on (0 failed requests), a coded error or a working daemon, one proxy', { skip: !isRoot && 'needs root to mount a tmpfs', timeout: 180_000 }, async () => {
  const p = await makeProject({ instances: 1 });
  let mounted = false;
  let load: LoadGenerator | undefined;
  try {
    await mkdir(p.stateDir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=300m', 'tmpfs', p.stateDir]);
    mounted = true;
    await startAndDeploy(p);
    const proxiesBefore = await proxyPids(p);
    assert.equal(proxiesBefore.length, 1, 'one proxy serves');
    const daemon = await daemonPid(p);
    assert.ok(daemon && isAlive(daemon));
    process.kill(daemon, 'SIGTERM');
    await waitFor('the daemon to exit', () => !isAlive(daemon), 20_000);

    load = new LoadGenerator({ port: p.port, host: 'hello.localhost', rps: 100, loops: 4 });
    await new Promise((r) => setTimeout(r, 500));
    await fillDisk(p.stateDir);
    const start = await cli(p, ['daemon', '--detach', '--json']);
    const output = start.stdout + start.stderr;
    assert.doesNotMatch(output, /bug in slipway/, output);
    assert.doesNotMatch(output, /SLW_INTERNAL/, output);
    if (start.code !== 0) assert.match(output, /SLW_DISK_FULL/, output);
    console.log(`daemon start on the full disk: exit ${start.code}: ${output.trim().slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 2000));
    const proxiesAfter = await proxyPids(p);
    assert.equal(proxiesAfter.length, 1, `one proxy left: ${JSON.stringify(proxiesAfter)} (before ${JSON.stringify(proxiesBefore)}); daemon: ${output}`);

    // Space comes back: a daemon start works and the project is as it was.
    for (const name of await readdir(p.stateDir)) if (/^(filler|crumb)-/.test(name)) await rm(join(p.stateDir, name));
    if (start.code !== 0) {
      const again = await cli(p, ['daemon', '--detach']);
      assert.equal(again.code, 0, again.stdout + again.stderr);
    }
    const status = await cli(p, ['status', '--json']);
    assert.equal(status.code, 0, status.stdout + status.stderr);
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
