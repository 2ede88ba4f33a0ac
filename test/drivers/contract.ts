import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Driver, InstanceHandle, InstanceSpec } from '../../src/drivers/driver.js';
import { recordExits, waitUntil } from '../helpers/driver-wait.js';

/** What each driver's test file provides to the shared contract suite. */
export interface DriverFixture {
  readonly driver: Driver;
  /** A second driver over the same machine and state, as a restarted daemon would build it. */
  sibling(): Driver;
  /** Makes the instance exit on its own, as a crash would (a SIGKILL from outside the driver). */
  crash(handle: InstanceHandle): void | Promise<void>;
  /** Removes whatever a test left running (by pid, or by container label) and closes the drivers. */
  cleanup(handles: readonly InstanceHandle[]): Promise<void>;
}

type Body = (f: DriverFixture, started: InstanceHandle[]) => Promise<void>;

/** The behaviour every Driver implementation must have; run once per implementation. */
export function runDriverContract(
  name: string,
  makeDriver: () => Promise<DriverFixture>,
  makeSpec: (id: string) => Promise<InstanceSpec>,
): void {
  const withFixture = (body: Body) => async () => {
    const fixture = await makeDriver();
    const started: InstanceHandle[] = [];
    try {
      await body(fixture, started);
    } finally {
      await fixture.cleanup(started);
    }
  };
  const start = async (driver: Driver, started: InstanceHandle[], id: string) => {
    const handle = await driver.start(await makeSpec(id));
    started.push(handle);
    return handle;
  };
  const grace = { graceMs: 2000 };

  describe(`driver contract: ${name}`, () => {
    it('start returns a handle for a live instance', withFixture(async ({ driver }, started) => {
      const spec = await makeSpec('web-r1-1');
      const handle = await driver.start(spec);
      started.push(handle);
      assert.equal(handle.id, 'web-r1-1');
      assert.equal(handle.driver, driver.name, 'the handle names its driver');
      assert.equal(handle.address.port, spec.port);
      assert.ok(handle.address.host.length > 0, 'an address to reach it at');
      assert.ok(handle.ref.length > 0);
      assert.deepEqual(JSON.parse(JSON.stringify(handle)), handle, 'a handle survives the journal as JSON');
      assert.equal((await driver.inspect(handle)).running, true);
    }));

    it('stop ends the instance and fires onExit exactly once, before resolving', withFixture(async ({ driver }, started) => {
      const exits = recordExits(driver);
      const handle = await start(driver, started, 'web-r1-2');
      await driver.stop(handle, grace);
      assert.equal((await driver.inspect(handle)).running, false);
      assert.deepEqual(exits.map((e) => e.id), ['web-r1-2']);
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(exits.length, 1);
    }));

    it('stop is idempotent, also when called concurrently', withFixture(async ({ driver }, started) => {
      const exits = recordExits(driver);
      const handle = await start(driver, started, 'web-r1-3');
      await Promise.all([driver.stop(handle, grace), driver.stop(handle, grace)]);
      await driver.stop(handle, grace);
      assert.equal((await driver.inspect(handle)).running, false);
      assert.equal(exits.length, 1);
    }));

    it('fires onExit once when an instance crashes', withFixture(async (f, started) => {
      const exits = recordExits(f.driver);
      const handle = await start(f.driver, started, 'web-r1-4');
      await f.crash(handle);
      await waitUntil(() => exits.length > 0, 'onExit after a crash');
      assert.equal(exits[0]?.id, 'web-r1-4');
      assert.ok(exits[0]?.code !== null || exits[0]?.signal !== null, 'a crash reports a code or a signal');
      assert.equal((await f.driver.inspect(handle)).running, false);
      await f.driver.stop(handle, grace); // stopping a dead instance is fine
      assert.equal(exits.length, 1);
    }));

    it('a second driver adopts an instance started by the first (daemon restart)', withFixture(async (f, started) => {
      const handle = await start(f.driver, started, 'web-r1-5');
      const firstExits = recordExits(f.driver);
      await f.driver.close();
      const next = f.sibling();
      const exits = recordExits(next);
      assert.equal((await next.inspect(handle)).running, true);
      assert.equal(await next.adopt(handle), true);
      await f.crash(handle);
      await waitUntil(() => exits.length > 0, 'onExit of the adopted instance');
      assert.deepEqual(exits.map((e) => e.id), ['web-r1-5']);
      assert.equal(await next.adopt(handle), false, 'a dead instance cannot be adopted');
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(exits.length, 1);
      assert.equal(firstExits.length, 0, 'a closed driver reports nothing');
    }));

    it('stop works on an adopted instance and fires its onExit once', withFixture(async (f, started) => {
      const handle = await start(f.driver, started, 'web-r1-6');
      await f.driver.close();
      const next = f.sibling();
      const exits = recordExits(next);
      assert.equal(await next.adopt(handle), true);
      await next.stop(handle, grace);
      assert.equal((await next.inspect(handle)).running, false);
      assert.deepEqual(exits.map((e) => e.id), ['web-r1-6']);
    }));

    it('findStrays lists marked instances missing from the journal, and only those', withFixture(async (f, started) => {
      const known = await start(f.driver, started, 'web-r1-7');
      const stray = await start(f.driver, started, 'web-r1-8');
      const next = f.sibling();
      const found = await next.findStrays(new Set([known.id]));
      assert.deepEqual(found, [stray], 'the same handle the start returned');
      await next.stop(stray, grace);
      assert.deepEqual(await next.findStrays(new Set([known.id])), []);
    }));

    it('logs returns at most the requested number of lines', withFixture(async ({ driver }, started) => {
      const handle = await start(driver, started, 'web-r1-9');
      assert.deepEqual(await driver.logs(handle, 0), []);
      const lines = await driver.logs(handle, 3);
      assert.ok(Array.isArray(lines) && lines.length <= 3);
    }));

    it('usage, where the driver reports it: CPU seconds and resident memory of a running instance, undefined once stopped', withFixture(async ({ driver }, started) => {
      if (!driver.usage) {
        assert.ok(!('usage' in driver), 'a driver without usage() says nothing about CPU and memory');
        return;
      }
      const handle = await start(driver, started, 'web-r1-10');
      let usage: Awaited<ReturnType<NonNullable<Driver['usage']>>>;
      await waitUntil(async () => ((usage = await driver.usage!(handle)) !== undefined && usage.memoryBytes > 0), 'usage of the running instance');
      assert.ok(usage);
      assert.ok(usage.cpuSeconds >= 0 && Number.isFinite(usage.cpuSeconds), `cpu ${usage.cpuSeconds}`);
      assert.ok(usage.memoryBytes > 64 * 1024 && usage.memoryBytes < 4 * 1024 ** 3, `memory ${usage.memoryBytes}`);
      await driver.stop(handle, grace);
      assert.equal(await driver.usage(handle), undefined);
    }));
  });
}
