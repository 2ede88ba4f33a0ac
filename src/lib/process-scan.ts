import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Live (non-zombie) processes whose environment holds one of `entries` ("NAME=value"), found
 * through /proc; the calling process is left out. Used to stop, by pid, every process a
 * demo, benchmark or test started (they mark their children through the environment).
 */
export async function pidsWithEnv(entries: readonly string[]): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const vars = (await readFile(`/proc/${name}/environ`, 'latin1').catch(() => '')).split('\0');
    if (!entries.some((e) => vars.includes(e))) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'latin1').catch(() => '');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state && state !== 'Z') pids.push(Number(name));
  }
  return pids.sort((a, b) => a - b);
}

/** Waits up to graceMs for the processes to exit, then SIGKILLs what is left; returns how many were killed. */
export async function killRemaining(find: () => Promise<number[]>, graceMs: number): Promise<number> {
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && (await find()).length > 0) await sleep(100);
  let killed = 0;
  for (let round = 0; round < 10; round++) {
    const pids = await find();
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
      } catch {
        // already gone
      }
    }
    await sleep(100);
  }
  return killed;
}
