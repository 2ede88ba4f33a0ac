// The daemon and its admin listener: a busy admin port fails the start the CLI waits for
// (with its code), and the listener closes when the daemon stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../src/lib/free-port.js';
import { cli, destroyProject, makeProject, serviceYaml, type Project } from '../helpers/e2e-project.js';

async function withAdmin(p: Project, listen: string, allow?: string): Promise<void> {
  await writeFile(p.configFile, `version: 1\nproxy:\n  http: ${p.port}\n  host: 127.0.0.1\nadmin:\n  listen: ${listen}\n${allow ? `  allow: ${allow}\n` : ''}services:\n${serviceYaml('web')}`);
}

/** GET from a chosen loopback source address (the loopback /8 gives distinct client addresses). */
function getFrom(from: string, port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, localAddress: from, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
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

test('admin.allow: the admin listener answers only the listed client addresses (403 for others)', { timeout: 60_000 }, async () => {
  const p = await makeProject();
  const port = await freePort();
  try {
    await withAdmin(p, `127.0.0.1:${port}`, '[127.0.0.2/32, "::1"]');
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    for (const path of ['/metrics', '/health/ready', '/discovery/targets']) {
      const refused = await getFrom('127.0.0.1', port, path);
      assert.equal(refused.status, 403, `${path} from 127.0.0.1`);
      assert.doesNotMatch(refused.body, /slipway_/);
      assert.equal((await getFrom('127.0.0.2', port, path)).status, 200, `${path} from 127.0.0.2`);
    }
    assert.equal((await cli(p, ['stop'])).code, 0);
  } finally {
    await destroyProject(p);
  }
});
