// Backups on a full disk (tmpfs mounts, root only), with a real daemon and load on the app:
// 1. the local target's disk is full: the run fails with SLW_DISK_FULL (the
//    disk is full, the partial file removed), no new backup is listed, no partial file is
//    left, the backup-failed alert reaches a real webhook, traffic is untouched (0 failed
//    requests); once space is freed the next backup is made and verifies.
// 2. the state directory's disk is full during a backup (a volume source stages there, a
//    directory source takes its lock file there): SLW_DISK_FULL, nothing listed, alerted
//    though alerts.json cannot be saved, a `backup` event (failed, with the code) and an `alert`
//    event in `slipway events`, 0 failed requests; after space is freed both sources
//    back up and verify.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { generateBackupKey } from '../../src/backup/age-adapter.js';
import { fillDisk } from '../helpers/fill-disk.js';
import { WebhookReceiver } from '../helpers/alert-receivers.js';
import { cli, destroyProject, makeProject, setVersion, waitFor, type Project } from '../helpers/e2e-project.js';
import { LoadGenerator } from '../helpers/load.js';
import { filesUnder } from '../helpers/tree.js';

const isRoot = process.getuid?.() === 0;

function configYaml(p: Project, o: { hook: string; key: string; sources: string }): string {
  return `version: 1
proxy: { http: ${p.port}, host: 127.0.0.1 }
alerts:
  interval: 250ms
  window: 2s
  repeat: 1h
  notify:
    - { type: webhook, url: "${o.hook}" }
backups:
  key: ${o.key}
  targets:
    local: { dir: ./backups }
  sources:
${o.sources}
services:
  web:
    source: ./app
    run: node server.js
    routes:
      - host: hello.localhost
    health: { path: /health, interval: 200ms, timeout: 1s, rise: 2, fall: 2, startTimeout: 20s }
    instances: 1
    drain: 2s
    watch: 500ms
    stopTimeout: 3s
    volumes: { data: {} }
`;
}

const removeFillers = async (dir: string): Promise<void> => {
  for (const name of await readdir(dir)) if (/^(filler|crumb)-/.test(name)) await rm(join(dir, name));
};

/** Leaves about `bytes` free on a filled disk (fillers of 256 KiB), so a write starts and then fails part way. */
const leaveFree = async (dir: string, bytes: number): Promise<void> => {
  const fillers = (await readdir(dir)).filter((n) => n.startsWith('filler-')).slice(0, Math.ceil(bytes / (256 * 1024)));
  for (const name of fillers) await rm(join(dir, name));
};

const backupFailedAlert = (hook: WebhookReceiver, source: string) =>
  waitFor(`backup-failed for ${source} at the webhook`, () => hook.received.flatMap((r) => r.json?.alerts ?? []).find((a: { rule: string; status: string; service: string }) => a.rule === 'backup-failed' && a.status === 'firing' && a.service === `backup:${source}`), 20_000);

test('a backup whose local target is on a full disk: coded error, no partial backup listed or left, alerted, 0 failed requests; the next one after space is freed verifies', { skip: !isRoot && 'needs root to mount a tmpfs', timeout: 180_000 }, async () => {
  const p = await makeProject();
  const hook = new WebhookReceiver();
  const target = join(p.dir, 'backups');
  let mounted = false;
  let load: LoadGenerator | undefined;
  try {
    const { identity } = await generateBackupKey();
    await writeFile(p.configFile, configYaml(p, { hook: await hook.listen(), key: identity, sources: '    files: { dir: ./files }' }));
    await mkdir(join(p.dir, 'files'));
    await writeFile(join(p.dir, 'files', 'photo.bin'), randomBytes(3 * 1024 * 1024)); // does not compress
    await mkdir(target);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', target]);
    mounted = true;
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    await setVersion(p, 'v1');
    assert.equal((await cli(p, ['deploy'])).code, 0);
    const good = await cli(p, ['backup', 'run', '--json']);
    assert.equal(good.code, 0, good.stdout + good.stderr);
    const first = good.json.backups[0].id as string;

    load = new LoadGenerator({ port: p.port, host: 'hello.localhost', rps: 100, loops: 4 });
    await new Promise((r) => setTimeout(r, 500));
    await fillDisk(target, 256 * 1024);
    await leaveFree(target, 1024 * 1024); // the 3 MiB object starts, and fails part way
    const failed = await cli(p, ['backup', 'run', '--json']);
    const output = failed.stdout + failed.stderr;
    console.log(`backup to the full target: ${failed.json?.error?.code}: ${failed.json?.error?.message}`);
    assert.notEqual(failed.code, 0, output);
    assert.equal(failed.json.error.code, 'SLW_DISK_FULL', output);
    assert.match(failed.json.error.message, /the disk is full \(ENOSPC\); the partial file was removed/, output);
    assert.ok(failed.json.error.hint.length > 10, output);
    const list = await cli(p, ['backup', 'list', '--json']);
    assert.deepEqual(list.json.backups.map((b: { id: string; state: string }) => `${b.id}:${b.state}`), [`${first}:verified`], 'nothing new is listed');
    const left = (await filesUnder(target)).map((f) => basename(f)).filter((f) => !/^(filler|crumb)-/.test(f));
    assert.ok(left.every((f) => f.startsWith(first)), `only the first backup's files are on the target: ${left.join(', ')}`);
    await backupFailedAlert(hook, 'files');

    await removeFillers(target);
    const again = await cli(p, ['backup', 'run', '--json']);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.equal(again.json.backups[0].state, 'verified');
    const verify = await cli(p, ['backup', 'verify', again.json.backups[0].id, '--json']);
    assert.deepEqual(verify.json.results.map((r: { ok: boolean }) => r.ok), [true]);
    await load.stop();
    assert.deepEqual(load.failures, []);
    assert.ok(load.ok > 100, `${load.ok} requests`);
  } finally {
    await load?.stop();
    await destroyProject(p).catch(() => undefined);
    await hook.close();
    if (mounted) execFileSync('umount', ['-l', target]);
    await rm(p.dir, { recursive: true, force: true });
  }
});

test('the state directory full during a backup (a volume staged there, a lock file there): SLW_DISK_FULL, nothing listed, alerted, 0 failed requests; both sources back up after space is freed', { skip: !isRoot && 'needs root to mount a tmpfs', timeout: 180_000 }, async () => {
  const p = await makeProject();
  const hook = new WebhookReceiver();
  let mounted = false;
  let load: LoadGenerator | undefined;
  try {
    const { identity } = await generateBackupKey();
    await writeFile(p.configFile, configYaml(p, { hook: await hook.listen(), key: identity, sources: '    data: { volume: data }\n    files: { dir: ./files }' }));
    await mkdir(join(p.dir, 'files'));
    await writeFile(join(p.dir, 'files', 'photo.bin'), randomBytes(512 * 1024));
    await mkdir(p.stateDir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=300m', 'tmpfs', p.stateDir]);
    mounted = true;
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    await setVersion(p, 'v1');
    assert.equal((await cli(p, ['deploy'])).code, 0);
    const volumes = await cli(p, ['volumes', '--json']);
    const volumeDir = JSON.stringify(volumes.json).match(/"dir":"([^"]+)"/)?.[1];
    assert.ok(volumeDir, volumes.stdout);
    await writeFile(join(volumeDir, 'upload.bin'), randomBytes(2 * 1024 * 1024));

    load = new LoadGenerator({ port: p.port, host: 'hello.localhost', rps: 100, loops: 4 });
    await new Promise((r) => setTimeout(r, 500));
    await fillDisk(p.stateDir, 256 * 1024);
    await leaveFree(p.stateDir, 1024 * 1024); // the lock file fits; the 2 MiB volume's staging starts, and fails part way
    const failed = await cli(p, ['backup', 'run', '--json']);
    const output = failed.stdout + failed.stderr;
    console.log(`backup on the full state directory: ${failed.json?.error?.code}: ${failed.json?.error?.message}`);
    assert.notEqual(failed.code, 0, output);
    assert.equal(failed.json.error.code, 'SLW_DISK_FULL', output);
    assert.match(failed.json.error.message, /Volume data could not be staged for its backup: no space left on the disk of .*backups\/scratch \(ENOSPC\); nothing was stored/, output);
    assert.match(failed.json.error.hint, /Free space/, output);
    assert.doesNotMatch(output, /bug in slipway|SLW_INTERNAL/);
    const list = await cli(p, ['backup', 'list', '--json']);
    assert.deepEqual(list.json.backups, [], 'nothing is listed');
    assert.deepEqual(await readdir(join(p.dir, 'backups')).catch(() => []), [], 'nothing was written to the target');
    assert.deepEqual(await readdir(join(p.stateDir, 'backups', 'scratch')), [], 'the partial staging is removed');
    await backupFailedAlert(hook, 'data');
    // The event stream says so too: the failed run with its code, and the alert as it was sent.
    const events = (await cli(p, ['events', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; source?: string; what?: string; detail?: string; rule?: string; state?: string });
    assert.ok(events.some((e) => e.kind === 'backup' && e.source === 'data' && e.what === 'failed' && /^SLW_DISK_FULL: /.test(e.detail ?? '')), JSON.stringify(events.filter((e) => e.kind === 'backup')));
    assert.ok(events.some((e) => e.kind === 'alert' && e.rule === 'backup-failed' && e.state === 'firing'), JSON.stringify(events.filter((e) => e.kind === 'alert')));

    await removeFillers(p.stateDir);
    const again = await cli(p, ['backup', 'run', '--json']);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.deepEqual(again.json.backups.map((b: { source: string; state: string }) => `${b.source}:${b.state}`).sort(), ['data:verified', 'files:verified']);
    const after = (await cli(p, ['events', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; source?: string; what?: string });
    assert.ok(after.some((e) => e.kind === 'backup' && e.source === 'data' && e.what?.startsWith('backed up ')), 'a run that succeeds is an event');
    assert.deepEqual(await readdir(join(p.stateDir, 'backups', 'scratch')), [], 'no staging left behind');
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
