import { readFileSync } from 'node:fs';

/**
 * True when a process with this pid runs (signal 0 probes without delivering anything).
 *
 * A zombie is not running: it has exited and only waits for its parent to collect its status.
 * A daemon killed with SIGKILL stays one until the host's init reaps it (seconds on some
 * hosts), and its pid, still in a lock or pid file, must not keep the next daemon out.
 */
export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/** Linux: the state field of /proc/<pid>/stat (after the command name, which may hold spaces and parentheses). */
function isZombie(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return true; // gone between the probe and the read: not running
  }
  const state = stat.charAt(stat.lastIndexOf(')') + 2);
  return state === 'Z' || state === 'X';
}
