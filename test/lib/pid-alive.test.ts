// isPidAlive: a running process is alive, a zombie (exited, not yet reaped) and a reaped pid are not.
// The zombie is real: a shell backgrounds `true`, prints its pid, then execs into `sleep`, which
// never collects its child's status, so `true` stays a zombie until the sleep ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isPidAlive } from '../../src/lib/pid-alive.js';

async function stateOf(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat?.charAt(stat.lastIndexOf(')') + 2);
}

test('a running process is alive; a zombie and a reaped pid are not', async () => {
  const parent = spawn('sh', ['-c', 'true & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line]: unknown[] = await once(parent.stdout, 'data');
    const zombie = Number(String(line).trim());
    assert.ok(zombie > 0);
    for (let i = 0; i < 100 && (await stateOf(zombie)) !== 'Z'; i++) await sleep(20);
    assert.equal(await stateOf(zombie), 'Z', 'the backgrounded child should be a zombie under sleep');
    // The kernel still answers signal 0 for it: the probe alone would call it alive.
    assert.doesNotThrow(() => process.kill(zombie, 0));
    assert.equal(isPidAlive(zombie), false);
    assert.equal(isPidAlive(parent.pid ?? -1), true);
    assert.equal(isPidAlive(process.pid), true);
  } finally {
    parent.kill('SIGKILL');
    if (parent.exitCode === null && parent.signalCode === null) await once(parent, 'exit');
  }
  assert.equal(isPidAlive(parent.pid ?? -1), false, 'a reaped pid is not alive');
  assert.equal(isPidAlive(0), false);
  assert.equal(isPidAlive(-1), false);
  assert.equal(isPidAlive(1.5), false);
});
