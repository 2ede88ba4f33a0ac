import { readFileSync } from 'node:fs';
import type { InstanceHandle } from '../../src/drivers/driver.js';
import { processOf } from '../../src/drivers/local/local-handle.js';

function startTimeOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return undefined;
  }
}

/**
 * Test cleanup: SIGKILL to the process group of each handle still held by the same process,
 * so a failing test leaves nothing running. Independent of the driver under test.
 */
export function killInstances(handles: Iterable<InstanceHandle>): void {
  for (const handle of handles) {
    const { pid, startTime } = processOf(handle);
    if (startTimeOf(pid) !== startTime) continue;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

