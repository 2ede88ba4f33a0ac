import { readFileSync, readdirSync } from 'node:fs';

/** The fields of /proc/<pid>/stat the local driver needs. */
export interface ProcStat {
  readonly pid: number;
  /** One letter: R running, S sleeping, D disk sleep, Z zombie, X dead, T stopped, … */
  readonly state: string;
  readonly pgrp: number;
  /** Field 22: clock ticks since boot at which the process started. */
  readonly startTime: number;
}

/**
 * Parses /proc/<pid>/stat. The command name (field 2) is in parentheses and may itself hold
 * spaces and parentheses, so fields are counted from the LAST ')'.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf(' (');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open));
  // After ") " come fields 3, 4, 5, …: index i holds field i + 3.
  const rest = text.slice(close + 2).split(' ');
  const state = rest[0];
  const pgrp = Number(rest[2]);
  const startTime = Number(rest[19]);
  if (!state || !Number.isInteger(pid) || !Number.isInteger(pgrp) || !Number.isInteger(startTime)) return undefined;
  return { pid, state, pgrp, startTime };
}

/** Reads /proc/<pid>/stat; undefined when there is no such process (or it cannot be read). */
export function readProcStat(pid: number): ProcStat | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return undefined;
  }
}

/** Zombies (exited, not yet reaped) and dead tasks count as gone. */
export function isRunningState(state: string): boolean {
  return state !== 'Z' && state !== 'X' && state !== 'x';
}

/** All numeric entries of /proc: the pids visible to this process. */
export function listPids(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (/^\d+$/.test(name)) pids.push(Number(name));
  }
  return pids;
}

/** Processes of group `pgrp` that have not exited (zombies left unreaped do not count). */
export function liveGroupMembers(pgrp: number): number[] {
  const members: number[] = [];
  for (const pid of listPids()) {
    const stat = readProcStat(pid);
    if (stat && stat.pgrp === pgrp && isRunningState(stat.state)) members.push(pid);
  }
  return members;
}
