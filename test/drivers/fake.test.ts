import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SlipwayError } from '../../src/errors.js';
import { FakeDriver } from '../../src/drivers/fake/fake-driver.js';
import { FakeHost } from '../../src/drivers/fake/fake-host.js';
import type { InstanceSpec } from '../../src/drivers/driver.js';
import { runDriverContract } from './contract.js';

let nextPort = 20_000;
const spec = (id: string): InstanceSpec => ({
  id, service: 'web', releaseId: 'r1', cwd: '/srv/web/r1', command: ['web'], env: {}, port: nextPort++,
});

runDriverContract(
  'fake',
  async () => {
    const host = new FakeHost();
    const drivers: FakeDriver[] = [];
    const make = (): FakeDriver => {
      const driver = new FakeDriver({ host, owner: '/state' });
      drivers.push(driver);
      return driver;
    };
    const driver = make();
    return {
      driver,
      sibling: make,
      crash: (handle) => driver.crash(handle.id, 1),
      cleanup: async () => {
        for (const d of drivers) await d.close();
      },
    };
  },
  async (id) => spec(id),
);

describe('FakeDriver extras', () => {
  it('fails start on demand, records stops and keeps a log', async () => {
    const failure = new SlipwayError('SLW_DRIVER_SPAWN_FAILED', 'no such command');
    const driver = new FakeDriver({ failStart: (s) => (s.id === 'bad' ? failure : undefined) });
    await assert.rejects(driver.start(spec('bad')), failure);
    const handle = await driver.start(spec('good'));
    driver.log('good', 'hello');
    assert.deepEqual(await driver.logs(handle, 1), ['hello']);
    assert.deepEqual(driver.running().map((s) => s.id), ['good']);
    await driver.stop(handle, { graceMs: 123 });
    assert.deepEqual(driver.stops, [{ id: 'good', graceMs: 123 }]);
    assert.deepEqual(driver.running(), []);
  });

  it('refuses a second live instance with the same id', async () => {
    const driver = new FakeDriver();
    await driver.start(spec('dup'));
    await assert.rejects(driver.start(spec('dup')), { code: 'SLW_DRIVER_INSTANCE_EXISTS' });
  });

  it('does not see instances of another owner as strays', async () => {
    const host = new FakeHost();
    const a = new FakeDriver({ host, owner: '/a' });
    const b = new FakeDriver({ host, owner: '/b' });
    await a.start(spec('x'));
    assert.deepEqual(await b.findStrays(new Set()), []);
    assert.equal((await a.findStrays(new Set())).length, 1);
  });
});
