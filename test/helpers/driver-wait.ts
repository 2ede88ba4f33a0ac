import { setTimeout as sleep } from 'node:timers/promises';
import type { Driver, ExitInfo } from '../../src/drivers/driver.js';

/** Polls until `check` is true; throws after timeoutMs with `what` in the message. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Records every onExit a driver fires. */
export function recordExits(driver: Driver): ExitInfo[] {
  const exits: ExitInfo[] = [];
  driver.onExit((exit) => exits.push(exit));
  return exits;
}
