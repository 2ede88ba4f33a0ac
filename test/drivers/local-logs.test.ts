import { processOf } from '../../src/drivers/local/local-handle.js';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { LocalDriverLab } from '../helpers/driver-local.js';
import { waitUntil } from '../helpers/driver-wait.js';

const CHATTY_APP = `
let n = 0;
setInterval(() => { n++; console.log('line ' + n + ' ' + 'x'.repeat(90)); }, 5);
`;

const COUNTING_APP = `
for (let i = 1; i <= 100; i++) console.log('line ' + i);
setInterval(() => {}, 1000);
`;

async function size(file: string): Promise<number> {
  return stat(file).then((s) => s.size, () => -1);
}

describe('LocalDriver logs', () => {
  let lab: LocalDriverLab;
  before(async () => {
    lab = await LocalDriverLab.create();
  });
  after(async () => {
    await lab.cleanup();
  });

  it('rotates past maxLogBytes, keeps keepLogs copies, and the app keeps appending', async () => {
    const driver = lab.driver({ maxLogBytes: 2000, keepLogs: 2, rotateEveryMs: 3_600_000 });
    const handle = await driver.start(await lab.spec('web-r2-1', CHATTY_APP));
    lab.handles.push(handle);
    const log = processOf(handle).logFile;
    for (let round = 1; round <= 3; round++) {
      await waitUntil(async () => (await size(log)) > 2000, `log over 2000 bytes (round ${round})`);
      await driver.rotateLogs();
      assert.ok((await size(`${log}.1`)) > 2000, '.1 holds the rotated content');
    }
    assert.ok((await size(`${log}.2`)) > 2000);
    assert.equal(await size(`${log}.3`), -1, 'only keepLogs copies are kept');
    await waitUntil(async () => (await size(log)) > 500, 'new lines after truncation');
    const head = (await readFile(log)).subarray(0, 5).toString('latin1');
    assert.match(head, /^line /, 'the app writes at the new end (no hole of NUL bytes)');
    await driver.stop(handle, { graceMs: 2000 });
  });

  it('tailLog returns the last lines, reading into .1 right after a rotation', async () => {
    const driver = lab.driver({ maxLogBytes: 10, keepLogs: 1, rotateEveryMs: 3_600_000 });
    const handle = await driver.start(await lab.spec('web-r2-2', COUNTING_APP));
    lab.handles.push(handle);
    await waitUntil(async () => (await readFile(processOf(handle).logFile, 'utf8')).includes('line 100\n'), 'all lines');
    assert.deepEqual(await driver.logs(handle, 3), ['line 98', 'line 99', 'line 100']);
    await driver.rotateLogs();
    assert.equal(await size(processOf(handle).logFile), 0);
    assert.deepEqual(await driver.logs(handle, 2), ['line 99', 'line 100']);
    await driver.stop(handle, { graceMs: 2000 });
  });
});
