// The daemon and its admin listener: a busy admin port fails the start the CLI waits for
// (with its code), and the listener closes when the daemon stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../src/lib/free-port.js';
import { cli, destroyProject, makeProject, serviceYaml, type Project } from '../helpers/e2e-project.js';

async function withAdmin(p: Project, listen: string): Promise<void> {
  await writeFile(p.configFile, `version: 1\nproxy:\n  http: ${p.port}\n  host: 127.0.0.1\nadmin:\n  listen: ${listen}\nservices:\n${serviceYaml('web')}`);
}

test('a busy admin port: the daemon does not start, SLW_ADMIN_LISTEN_FAILED', { timeout: 60_000 }, async () => {
  const p = await makeProject();
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  try {
    await withAdmin(p, `127.0.0.1:${(holder.address() as { port: number }).port}`);
    const r = await cli(p, ['daemon', '--detach', '--json']);
    assert.notEqual(r.code, 0, r.stdout);
    assert.equal(r.json.error.code, 'SLW_ADMIN_LISTEN_FAILED', r.stdout);
    assert.match(r.json.error.message, /EADDRINUSE/);
    assert.notEqual((await cli(p, ['status'])).code, 0, 'no daemon answers');
  } finally {
    await new Promise<void>((resolve) => holder.close(() => resolve()));
    await destroyProject(p);
  }
});

test('the admin listener serves while the daemon runs and closes with it', { timeout: 60_000 }, async () => {
  const p = await makeProject();
  const port = await freePort();
  try {
    await withAdmin(p, `127.0.0.1:${port}`);
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    const log = await readFile(join(p.stateDir, 'logs', 'daemon.log'), 'utf8');
    assert.match(log, new RegExp(`"admin":"127\\.0\\.0\\.1:${port}"`), 'the ready line names the admin address');
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
    assert.equal(ready.status, 200, await ready.text());
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /^slipway_proxy_up 1$/m);
    assert.equal((await cli(p, ['stop'])).code, 0);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/health/live`), 'closed with the daemon');
  } finally {
    await destroyProject(p);
  }
});
