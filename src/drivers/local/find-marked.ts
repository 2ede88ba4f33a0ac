import { readProcEnviron } from './proc-environ.js';
import { isRunningState, listPids, readProcStat } from './proc-stat.js';

export interface MarkedProcess {
  readonly pid: number;
  readonly startTime: number;
  readonly env: ReadonlyMap<string, string>;
}

/**
 * Live process-group leaders whose start environment has `name=value`. Children of an
 * instance inherit its environment but not its leadership, so only instances are found.
 */
export function findMarkedProcesses(name: string, value: string): MarkedProcess[] {
  const found: MarkedProcess[] = [];
  for (const pid of listPids()) {
    if (pid === process.pid) continue;
    const stat = readProcStat(pid);
    if (!stat || stat.pgrp !== pid || !isRunningState(stat.state)) continue;
    const env = readProcEnviron(pid);
    if (env?.get(name) !== value) continue;
    found.push({ pid, startTime: stat.startTime, env });
  }
  return found;
}
