// The state directory on a 300 MiB tmpfs (root only), filled while a deploy builds, under
// load, right after the state database's write-ahead log was checkpointed and truncated (so
// the next journal write must grow a file on the full disk). The deploy cannot journal the
// release it built nor its own failure: it ends with SLW_DISK_FULL (what and how to fix), the
// deploy lock is free at once (not after its 30 s expiry), the old release serves with 0
// failed requests, the `journal-write-failed` alert reaches a real webhook although
// alerts.json cannot be saved either, and the daemon lives on. Once space is freed the owed
// outcome is written and the next deploy works. The tmpfs is unmounted in cleanup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { access, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { fillDisk } from '../helpers/fill-disk.js';
import { WebhookReceiver } from '../helpers/alert-receivers.js';
import { cli, daemonPid, destroyProject, isAlive, makeProject, setVersion, waitFor, type Project } from '../helpers/e2e-project.js';
import { LoadGenerator } from '../helpers/load.js';

const isRoot = process.getuid?.() === 0;

function configYaml(p: Project, hook: string): string {
  const started = join(p.dir, 'build-started');
  const go = join(p.dir, 'build-go');
  return `version: 1
proxy: { http: ${p.port}, host: 127.0.0.1 }
alerts:
  interval: 250ms
  window: 2s
  repeat: 1h
  notify:
    - { type: webhook, url: "${hook}" }
services:
  web:
    source: ./app
    # The first build passes at once; later ones wait for the test (it fills the disk meanwhile).
    build: [sh, -c, 'if [ -e ${started}.first ]; then touch ${started}; while [ ! -e ${go} ]; do sleep 0.05; done; else touch ${started}.first; fi']
    run: node server.js
    routes:
      - host: hello.localhost
    health: { path: /health, interval: 200ms, timeout: 1s, rise: 2, fall: 2, startTimeout: 20s }
    instances: 1
    drain: 5s
    keepWarm: 10m
    watch: 1s
    stopTimeout: 3s
`;
}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

test('a deploy whose journal writes hit a full disk: SLW_DISK_FULL, lock free at once, old release serves (0 failed requests), alerted; after space is freed the next deploy works', { skip: !isRoot && 'needs root to mount a tmpfs', timeout: 180_000 }, async () => {
  const p = await makeProject();
  const hook = new WebhookReceiver();
  let mounted = false;
  let load: LoadGenerator | undefined;
  try {
    await writeFile(p.configFile, configYaml(p, await hook.listen()));
    await mkdir(p.stateDir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=300m', 'tmpfs', p.stateDir]);
    mounted = true;
    const daemon = await cli(p, ['daemon', '--detach']);
    assert.equal(daemon.code, 0, daemon.stdout + daemon.stderr);
    await setVersion(p, 'v1');
    const first = await cli(p, ['deploy']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const daemonBefore = await daemonPid(p);

    load = new LoadGenerator({ port: p.port, host: 'hello.localhost', rps: 100, loops: 4 });
    await new Promise((r) => setTimeout(r, 500));
    await setVersion(p, 'v2');
    const deploying = cli(p, ['deploy', '--json']);
    await waitFor('the second build to start', () => exists(join(p.dir, 'build-started')), 30_000);
    // The write-ahead log checkpointed and truncated: the journal's next write needs new blocks.
    const db = new Database(join(p.stateDir, 'state.db'));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    await fillDisk(p.stateDir);
    const lockedAt = Date.now();
    await writeFile(join(p.dir, 'build-go'), '');
    const deploy = await deploying;
    const output = deploy.stdout + deploy.stderr;
    assert.notEqual(deploy.code, 0, output);
    assert.equal(deploy.json?.ok, false, output);
    assert.equal(deploy.json.error.code, 'SLW_DISK_FULL', output);
    assert.match(deploy.json.error.hint, /free space|df /i, output);
    assert.doesNotMatch(output, /bug in slipway|SLW_INTERNAL/, output);
    console.log(`deploy on the full disk: ${deploy.json.error.message} / ${deploy.json.error.hint}`);

    // The lock is free at once, though its release could not be written.
    const lock = await cli(p, ['lock', 'status', '--json']);
    assert.equal(lock.code, 0, lock.stdout + lock.stderr);
    assert.equal(lock.json.lock, null, `lock still held: ${lock.stdout}`);
    assert.ok(Date.now() - lockedAt < 30_000, 'checked before the lock could have expired');
    // A deploy on the still-full disk is refused with the same code, and changes nothing.
    const again = await cli(p, ['deploy', '--json']);
    assert.notEqual(again.code, 0);
    // (Refused by the preflight of the config, before anything moves: its issue says the disk is full.)
    assert.match(again.stdout + again.stderr, /SLW_(CONFIG_)?DISK_FULL/, again.stdout + again.stderr);

    const alert = await waitFor('the journal-write-failed alert', () => hook.received.find((r) => JSON.stringify(r.json).includes('journal-write-failed')), 20_000);
    assert.equal(alert.json.status, 'firing');
    const status = await cli(p, ['status', '--json']);
    assert.equal(status.json.services[0].activeRelease, 'r1');
    assert.equal(await daemonPid(p), daemonBefore, 'the daemon lived on');
    assert.ok(daemonBefore && isAlive(daemonBefore));

    // Space comes back: the owed outcome is journaled, and the next deploy works.
    for (const name of await readdir(p.stateDir)) if (/^(filler|crumb)-/.test(name)) await rm(join(p.stateDir, name));
    await setVersion(p, 'v3');
    const third = await cli(p, ['deploy', '--json']);
    assert.equal(third.code, 0, third.stdout + third.stderr);
    const history = await cli(p, ['history', '--json']);
    assert.equal(history.code, 0, history.stdout + history.stderr);
    const failed = history.json.deployments.find((d: { state: string; errorCode?: string }) => d.errorCode === 'SLW_DISK_FULL');
    assert.ok(failed, `the failed deploy is in the history: ${history.stdout}`);
    assert.equal(failed.state, 'failed');
    await load.stop();
    assert.deepEqual(load.failures, []);
    assert.ok(load.ok > 100, `${load.ok} requests`);
  } finally {
    await load?.stop();
    await destroyProject(p).catch(() => undefined);
    await hook.close();
    if (mounted) execFileSync('umount', ['-l', p.stateDir]);
    await rm(p.dir, { recursive: true, force: true });
  }
});
