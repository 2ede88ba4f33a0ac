import { processOf } from '../../src/drivers/local/local-handle.js';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { readProcStat } from '../../src/drivers/local/proc-stat.js';
import { HTTP_APP, LocalDriverLab } from '../helpers/driver-local.js';
import { recordExits, waitUntil } from '../helpers/driver-wait.js';

const GRANDPARENT_APP = `
const { spawn } = require('node:child_process');
const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
console.log('grandchild ' + child.pid);
setInterval(() => {}, 1000);
`;

const STUBBORN_APP = `
process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
console.log('ready');
setInterval(() => {}, 1000);
`;

function isRunning(pid: number): boolean {
  const stat = readProcStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

describe('LocalDriver with real processes', () => {
  let lab: LocalDriverLab;
  before(async () => {
    lab = await LocalDriverLab.create();
  });
  after(async () => {
    await lab.cleanup();
  });

  it('runs the app on PORT with the spec env and the slipway markers', async () => {
    const driver = lab.driver();
    const spec = await lab.spec('web-r1-1', HTTP_APP, { GREETING: 'hi' });
    const handle = await driver.start(spec);
    lab.handles.push(handle);
    let body: unknown;
    await waitUntil(async () => {
      body = await fetch(`http://127.0.0.1:${spec.port}/`).then((r) => r.json(), () => undefined);
      return body !== undefined;
    }, 'the app to answer on its port');
    assert.deepEqual(body, { id: 'web-r1-1', service: 'web', release: 'r1', owner: lab.stateDir, greeting: 'hi' });
    assert.equal(readProcStat(processOf(handle).pid)?.pgrp, processOf(handle).pid, 'the instance leads its own process group');
    await driver.stop(handle, { graceMs: 2000 });
    const log = await readFile(processOf(handle).logFile, 'utf8');
    assert.match(log, /listening on \d+/);
    assert.match(log, /to stderr/);
    assert.match(log, /got SIGTERM/);
  });

  it('stop kills the whole process group, grandchildren included', async () => {
    const driver = lab.driver();
    const handle = await driver.start(await lab.spec('web-r1-2', GRANDPARENT_APP));
    lab.handles.push(handle);
    let grandchild = 0;
    await waitUntil(async () => {
      const match = /grandchild (\d+)/.exec(await readFile(processOf(handle).logFile, 'utf8'));
      grandchild = Number(match?.[1] ?? 0);
      return grandchild > 0;
    }, 'the grandchild pid in the log');
    assert.ok(isRunning(grandchild));
    const strays = await lab.driver().findStrays(new Set());
    assert.deepEqual(strays.map((h) => processOf(h).pid), [processOf(handle).pid], 'only the group leader is an instance');
    await driver.stop(handle, { graceMs: 2000 });
    assert.equal(isRunning(grandchild), false);
    assert.equal(isRunning(processOf(handle).pid), false);
  });

  it('sends SIGKILL after the grace period when the app ignores SIGTERM', async () => {
    const driver = lab.driver();
    const exits = recordExits(driver);
    const handle = await driver.start(await lab.spec('web-r1-3', STUBBORN_APP));
    lab.handles.push(handle);
    await waitUntil(async () => (await readFile(processOf(handle).logFile, 'utf8')).includes('ready'), 'the app to install its handler');
    const began = Date.now();
    await driver.stop(handle, { graceMs: 400 });
    assert.ok(Date.now() - began >= 390, 'waited for the grace period');
    assert.equal((await driver.inspect(handle)).running, false);
    assert.deepEqual(exits, [{ id: 'web-r1-3', code: null, signal: 'SIGKILL' }]);
    assert.match(await readFile(processOf(handle).logFile, 'utf8'), /ignoring SIGTERM/);
  });

  it('never signals a pid whose start time does not match (pid reuse)', async () => {
    const driver = lab.driver();
    const handle = await driver.start(await lab.spec('web-r1-4'));
    lab.handles.push(handle);
    const impostor = { ...handle, data: { ...handle.data, startTime: processOf(handle).startTime + 1 } };
    assert.equal((await driver.inspect(impostor)).running, false);
    assert.equal(await driver.adopt(impostor), false);
    await driver.stop(impostor, { graceMs: 100 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await driver.inspect(handle)).running, true, 'the real process was left alone');
    await driver.stop(handle, { graceMs: 2000 });
  });

  it('reports a command that does not exist as SLW_DRIVER_SPAWN_FAILED', async () => {
    const driver = lab.driver();
    const spec = { ...(await lab.spec('web-r1-5')), command: ['slipway-no-such-command-xyz'] };
    await assert.rejects(driver.start(spec), (err: Error & { code?: string; hint?: string }) => {
      assert.equal(err.code, 'SLW_DRIVER_SPAWN_FAILED');
      assert.match(err.message, /slipway-no-such-command-xyz.*not found/);
      assert.ok(err.hint);
      return true;
    });
    const missingCwd = { ...(await lab.spec('web-r1-6')), cwd: `${lab.root}/missing` };
    await assert.rejects(driver.start(missingCwd), { code: 'SLW_DRIVER_SPAWN_FAILED', message: /working directory/ });
  });

  it('refuses a spec it cannot run, and a second live instance with the same id', async () => {
    const driver = lab.driver();
    const spec = await lab.spec('web-r1-7');
    await assert.rejects(driver.start({ ...spec, id: '../escape' }), { code: 'SLW_DRIVER_INVALID_SPEC' });
    await assert.rejects(driver.start({ ...spec, command: [] }), { code: 'SLW_DRIVER_INVALID_SPEC' });
    const handle = await driver.start(spec);
    lab.handles.push(handle);
    await assert.rejects(driver.start(spec), { code: 'SLW_DRIVER_INSTANCE_EXISTS' });
    await driver.stop(handle, { graceMs: 2000 });
  });
});
