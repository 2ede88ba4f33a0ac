// Daemon-level settings (admin:, alerts:, backups:) changed in the config are applied without a
// restart: by `slipway daemon reload`, or by the next deploy from the daemon's config; a config
// that does not load is refused with its code and changes nothing. Before, a changed `admin:`
// was ignored until the daemon restarted, silently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../src/lib/free-port.js';
import { cli, destroyProject, makeProject, setVersion, type Project } from '../helpers/e2e-project.js';
import { httpAnswer } from '../helpers/http-answer.js';

/** The admin listener's answer to GET path on port: "200", "403", or the connection error's code. */
async function admin(port: number, path = '/health/live'): Promise<string> {
  try {
    return String((await httpAnswer({ host: '127.0.0.1', port, path, timeout: 3000 })).status);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'error';
  }
}

async function withSections(p: Project, base: string, sections: string): Promise<void> {
  await writeFile(p.configFile, `${base}${sections}`);
}

test('admin:, alerts: and backups: changes are applied by `daemon reload` and by a deploy, not ignored until a restart', { timeout: 180_000 }, async () => {
  const p = await makeProject({ instances: 1, drain: '1s' });
  try {
    const base = await readFile(p.configFile, 'utf8');
    await setVersion(p, 'v1');
    const started = await cli(p, ['daemon', '--detach', '--json']);
    assert.equal(started.code, 0, started.stderr);
    const pid = started.json.pid as number;
    const [a, b] = [await freePort(), await freePort()];

    // Nothing changed: nothing applied.
    const same = await cli(p, ['daemon', 'reload', '--json']);
    assert.equal(same.code, 0, same.stdout + same.stderr);
    assert.deepEqual(same.json, { applied: [], unchanged: ['admin', 'alerts', 'backups'], warnings: [], backupJobs: [] });

    // admin: added → listening after a reload, no restart.
    await withSections(p, base, `admin:\n  listen: 127.0.0.1:${a}\n`);
    assert.equal(await admin(a), 'ECONNREFUSED', 'not before the reload');
    const added = await cli(p, ['daemon', 'reload']);
    assert.equal(added.code, 0, added.stdout + added.stderr);
    assert.match(added.stdout, new RegExp(`applied: admin \\(admin on 127\\.0\\.0\\.1:${a}\\)`));
    assert.equal(await admin(a), '200');
    assert.equal(await admin(a, '/metrics'), '200');

    // allow: narrowed on the same port → 403 for us after the reload.
    await withSections(p, base, `admin:\n  listen: 127.0.0.1:${a}\n  allow: [10.9.9.9]\n`);
    assert.equal((await cli(p, ['daemon', 'reload', '--json'])).json.applied[0], 'admin');
    assert.equal(await admin(a), '403');

    // A config that does not load: its code, and the listener stays as it was.
    await withSections(p, base, `admin:\n  listen: nonsense\n`);
    const bad = await cli(p, ['daemon', 'reload', '--json']);
    assert.notEqual(bad.code, 0);
    assert.equal(bad.json?.error?.code, 'SLW_CONFIG_INVALID', bad.stdout);
    assert.equal(await admin(a), '403', 'unchanged after a refused reload');

    // A deploy from the daemon's config applies the move to another port (and alerts: added).
    await withSections(p, base, `admin:\n  listen: 127.0.0.1:${b}\nalerts:\n  interval: 1s\n`);
    const deployed = await cli(p, ['deploy', '--json']);
    assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);
    assert.equal(await admin(b), '200');
    assert.equal(await admin(a), 'ECONNREFUSED', 'the old port is let go');
    const status = await cli(p, ['status', '--json']);
    assert.equal(typeof status.json.alerts?.firing, 'number', 'alerts run after the deploy');
    assert.match(await httpAnswer({ host: '127.0.0.1', port: b, path: '/metrics' }).then((r) => r.body), /slipway_alerts_firing/);

    // admin: removed → no listener.
    await withSections(p, base, '');
    const removed = await cli(p, ['daemon', 'reload', '--json']);
    assert.deepEqual(removed.json.applied, ['admin', 'alerts']);
    assert.equal(await admin(b), 'ECONNREFUSED');
    assert.equal((await cli(p, ['status', '--json'])).json.alerts, undefined);

    // backups: a schedule added is armed by a reload; taken away, disarmed.
    assert.equal((await cli(p, ['secrets', 'generate', 'BACKUP_KEY', '--kind', 'age'])).code, 0);
    await mkdir(join(p.dir, 'data'), { recursive: true });
    await writeFile(join(p.dir, 'data', 'notes.txt'), 'kept\n');
    const backups = 'secrets:\n  BACKUP_KEY: {}\nbackups:\n  key: ${secret:BACKUP_KEY}\n  targets: { local: { dir: ./backups } }\n  sources:\n    files: { dir: ./data }\n  schedule: "0 3 * * *"\n  drill: { schedule: "0 4 * * 0" }\n';
    await withSections(p, base, backups);
    const armed = await cli(p, ['daemon', 'reload', '--json']);
    assert.equal(armed.code, 0, armed.stdout + armed.stderr);
    assert.deepEqual(armed.json.applied, ['backups']);
    assert.deepEqual(armed.json.backupJobs, ['backup (0 3 * * *)', 'drill (0 4 * * 0)']);
    await withSections(p, base, backups.replace('0 3 * * *', '30 2 * * *'));
    assert.deepEqual((await cli(p, ['daemon', 'reload', '--json'])).json.backupJobs, ['backup (30 2 * * *)', 'drill (0 4 * * 0)']);
    await withSections(p, base, '');
    const disarmed = await cli(p, ['daemon', 'reload']);
    assert.match(disarmed.stdout, /applied: backups\nbackup schedule: off/);

    // All of it in one daemon: never restarted.
    assert.equal((await cli(p, ['status', '--json'])).json.daemon.pid, pid);
  } finally {
    await destroyProject(p);
  }
});
