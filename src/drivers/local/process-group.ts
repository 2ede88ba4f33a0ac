import { setTimeout as sleep } from 'node:timers/promises';
import { SlipwayError } from '../../errors.js';
import { isRunningState, liveGroupMembers, readProcStat } from './proc-stat.js';

/** Who holds a handle's pid now: the instance itself, nobody (or a zombie), or another process. */
export type LeaderState = 'running' | 'exited' | 'reused';

export interface ProcessIdentity {
  readonly pid: number;
  readonly startTime: number;
}

export function leaderState({ pid, startTime }: ProcessIdentity): LeaderState {
  const stat = readProcStat(pid);
  if (!stat) return 'exited';
  if (stat.startTime !== startTime) return 'reused';
  return isRunningState(stat.state) ? 'running' : 'exited';
}

/**
 * True when no live process of the instance's group is left. While any process has pgid P,
 * Linux does not hand out P as a new pid, so once the leader has exited, group P can only
 * hold the instance's own descendants; a reused pid means the group emptied before.
 */
export function groupGone(id: ProcessIdentity): boolean {
  const leader = leaderState(id);
  if (leader === 'reused') return true;
  if (leader === 'running') return false;
  if (!signalGroup(id.pid, 0)) return true;
  return liveGroupMembers(id.pid).length === 0;
}

/** Signals group `pgid`; false when it does not exist. Signal 0 only probes. */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

export async function waitFor(done: () => boolean, timeoutMs: number, pollMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (done()) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await sleep(Math.min(pollMs, left));
  }
}

export interface StopGroupOptions {
  readonly graceMs: number;
  readonly pollMs?: number;
  /** How long to wait after SIGKILL before giving up. */
  readonly killWaitMs?: number;
}

/**
 * SIGTERM (and SIGCONT, so a stopped process sees it) to the group, SIGKILL after graceMs,
 * resolved once no live process of the group is left. Never signals when the pid now
 * belongs to another process. Throws SLW_DRIVER_STOP_FAILED if even SIGKILL does not work.
 */
export async function stopProcessGroup(id: ProcessIdentity, options: StopGroupOptions): Promise<void> {
  const pollMs = options.pollMs ?? 20;
  const gone = (): boolean => groupGone(id);
  if (gone()) return;
  signalGroup(id.pid, 'SIGTERM');
  signalGroup(id.pid, 'SIGCONT');
  if (await waitFor(gone, options.graceMs, pollMs)) return;
  if (leaderState(id) !== 'reused') signalGroup(id.pid, 'SIGKILL');
  if (await waitFor(gone, options.killWaitMs ?? 5000, pollMs)) return;
  throw new SlipwayError('SLW_DRIVER_STOP_FAILED', `Process group ${id.pid} is still running after SIGKILL.`, {
    details: { pid: id.pid, members: liveGroupMembers(id.pid) },
  });
}
