import assert from 'node:assert/strict';
import { chmod, readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { processOf } from '../../src/drivers/local/local-handle.js';
import { hardLimits, refusedLimit, rlimitOptions } from '../../src/drivers/local/rlimits.js';
import { SlipwayError } from '../../src/errors.js';
import { LocalDriverLab } from '../helpers/driver-local.js';
import { waitUntil } from '../helpers/driver-wait.js';

const NOBODY = { uid: 65534, gid: 65534 };
const NO_ISOLATION = { readOnly: false, tmpfs: [], capAdd: [] } as const;

/** Prints its rlimits, then tries to allocate 512 MiB: past RLIMIT_AS that fails inside the app. */
const ALLOCATE = `
import resource, sys
print('as', resource.getrlimit(resource.RLIMIT_AS), 'nofile', resource.getrlimit(resource.RLIMIT_NOFILE), flush=True)
try:
    block = bytearray(512 * 1024 * 1024)
    print('allocated', len(block), flush=True)
except MemoryError:
    print('MemoryError', flush=True)
import time
time.sleep(30)
`;

/** Forks 8 sleeping children and counts how many forks the kernel refused. */
const FORK = `
import os, time
forked = refused = 0
for _ in range(8):
    try:
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        forked += 1
    except BlockingIOError:
        refused += 1
print('forked', forked, 'refused', refused, flush=True)
time.sleep(30)
`;

function limitsOf(pid: number): Promise<string> {
  return readFile(`/proc/${pid}/limits`, 'utf8');
}

describe('process limits as rlimits, on real processes', () => {
  let lab: LocalDriverLab;
  before(async () => {
    lab = await LocalDriverLab.create();
    await chmod(lab.root, 0o755); // the `user:` instance must be able to enter its cwd
  });
  after(async () => {
    await lab.cleanup();
  });

  it('memory (RLIMIT_AS) and openFiles hold: the app sees them and an allocation past the limit fails', async () => {
    const driver = lab.driver();
    const base = await lab.spec('mem-r1-1');
    const spec = { ...base, command: ['python3', '-c', ALLOCATE], isolation: { ...NO_ISOLATION, memoryBytes: 256 * 1024 * 1024, openFiles: 512 } };
    const handle = await driver.start(spec);
    lab.handles.push(handle);
    const log = processOf(handle).logFile;
    await waitUntil(async () => /MemoryError|allocated/.test(await readFile(log, 'utf8')), 'the app to try its allocation', 10_000);
    const text = await readFile(log, 'utf8');
    assert.match(text, /as \(268435456, 268435456\) nofile \(512, 512\)/);
    assert.match(text, /MemoryError/);
    assert.doesNotMatch(text, /allocated/);
    const limits = await limitsOf(processOf(handle).pid);
    assert.match(limits, /Max address space\s+268435456\s+268435456/, 'prlimit exec()s the app: same pid, limits in place');
    assert.match(limits, /Max open files\s+512\s+512/);
    // The same app without limits does allocate: the limit, not the machine, stopped it.
    const free = await driver.start({ ...spec, id: 'mem-r1-2', isolation: undefined });
    lab.handles.push(free);
    await waitUntil(async () => /MemoryError|allocated/.test(await readFile(processOf(free).logFile, 'utf8')), 'the unlimited app', 10_000);
    assert.match(await readFile(processOf(free).logFile, 'utf8'), /allocated 536870912/);
    await driver.stop(handle, { graceMs: 500 });
    await driver.stop(free, { graceMs: 500 });
  });

  it('pids (RLIMIT_NPROC) holds for an instance with a user of its own: forks past it fail', async () => {
    const driver = lab.driver();
    const base = await lab.spec('pids-r1-1');
    const spec = { ...base, command: ['python3', '-c', FORK], user: NOBODY, isolation: { ...NO_ISOLATION, pids: 4 } };
    const handle = await driver.start(spec);
    lab.handles.push(handle);
    const { pid } = processOf(handle);
    try {
      await waitUntil(async () => (await readFile(processOf(handle).logFile, 'utf8')).includes('forked'), 'the app to try its forks', 10_000);
      assert.match(await limitsOf(pid), /Max processes\s+4\s+4/);
      assert.match(await readFile(`/proc/${pid}/status`, 'utf8'), /^Uid:\s+65534\s/m, 'runs as its user');
      const [, forked, refused] = /forked (\d+) refused (\d+)/.exec(await readFile(processOf(handle).logFile, 'utf8')) ?? [];
      // The app and at most 3 children make 4 processes of its user; the other forks fail (fewer
      // succeed if something else on the host runs as the same user: the limit counts them all).
      assert.equal(Number(forked) + Number(refused), 8);
      assert.ok(Number(refused) >= 5 && Number(forked) <= 3, `forked ${forked}, refused ${refused}`);
      await driver.stop(handle, { graceMs: 500 });
    } finally {
      try {
        process.kill(-pid, 'SIGKILL'); // its children, even when an assertion failed first
      } catch {
        // already gone
      }
    }
  });

  it('a value the instance cannot get is refused with SLW_DRIVER_LIMIT_REFUSED before anything starts', async () => {
    const driver = lab.driver();
    const hardOpen = hardLimits().get('Max open files') ?? 0;
    assert.ok(Number.isFinite(hardOpen) && hardOpen > 0);
    const base = await lab.spec('nofile-r1-1');
    const tooMany = { ...base, command: ['/bin/sh', '-c', 'sleep 30'], user: NOBODY, isolation: { ...NO_ISOLATION, openFiles: hardOpen + 1 } };
    await assert.rejects(driver.start(tooMany), (err: unknown) => {
      assert.ok(err instanceof SlipwayError);
      assert.equal(err.code, 'SLW_DRIVER_LIMIT_REFUSED');
      assert.match(err.message, new RegExp(`openFiles \\(RLIMIT_NOFILE\\) is ${hardOpen + 1}.*hard limit of ${hardOpen}.*uid 65534`));
      return true;
    });
    assert.deepEqual((await driver.findStrays(new Set())).filter((h) => h.id === 'nofile-r1-1'), [], 'nothing was started');
    const aboveKernel = { ...tooMany, user: undefined, isolation: { ...NO_ISOLATION, openFiles: 2_000_000 } };
    await assert.rejects(driver.start(aboveKernel), (err: unknown) => err instanceof SlipwayError && err.code === 'SLW_DRIVER_LIMIT_REFUSED' && /fs\.nr_open/.test(err.message));
  });

  it('rules: options per limit, refusals by uid (units)', () => {
    assert.deepEqual(rlimitOptions(undefined), []);
    assert.deepEqual(rlimitOptions({ ...NO_ISOLATION, memoryBytes: 1024, pids: 3, openFiles: 64, cpus: 1 }), ['--as=1024', '--nproc=3', '--nofile=64']);
    const hard = new Map([['Max open files', 100], ['Max processes', 50], ['Max address space', Number.POSITIVE_INFINITY]]);
    assert.equal(refusedLimit({ ...NO_ISOLATION, openFiles: 200, pids: 60, memoryBytes: 2 ** 40 }, 0, hard, 1000), undefined, 'root may raise hard limits');
    assert.match(refusedLimit({ ...NO_ISOLATION, pids: 60 }, 1000, hard, 1000) ?? '', /pids .*60.*hard limit of 50/);
    assert.equal(refusedLimit({ ...NO_ISOLATION, memoryBytes: 2 ** 40, openFiles: 100 }, 1000, hard, 1000), undefined);
    assert.match(refusedLimit({ ...NO_ISOLATION, openFiles: 1001 }, 0, hard, 1000) ?? '', /nr_open = 1000/);
  });
});
