import { readFileSync } from 'node:fs';
import type { InstanceUsage } from '../driver.js';
import { isRunningState, listPids } from './proc-stat.js';

/** Clock ticks per second of /proc times: USER_HZ, 100 on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** utime + stime + cutime + cstime (fields 14–17) and the group (field 5) of /proc/<pid>/stat. */
export function parseCpuTicks(text: string): { pgrp: number; state: string; ticks: number } | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // After ") " come fields 3, 4, 5, …: index i holds field i + 3.
  const rest = text.slice(close + 2).split(' ');
  const fields = [rest[11], rest[12], rest[13], rest[14]].map(Number);
  const pgrp = Number(rest[2]);
  const state = rest[0];
  if (!state || !Number.isInteger(pgrp) || fields.some((n) => !Number.isFinite(n) || n < 0)) return undefined;
  return { pgrp, state, ticks: fields.reduce((a, b) => a + b, 0) };
}

/** VmRSS of /proc/<pid>/status, in bytes (absent for kernel threads and zombies: 0). */
export function parseRssBytes(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/**
 * What every process group uses, from one pass over /proc: per group, the CPU time of its live
 * members (with that of children they reaped) and the sum of their resident memory. CPU of
 * members that exited without being reaped by a member is lost, so a counter can step down
 * when a worker process exits; Prometheus's rate() reads such a step as a reset.
 */
export function groupUsages(): Map<number, InstanceUsage> {
  const groups = new Map<number, { ticks: number; memoryBytes: number }>();
  for (const pid of listPids()) {
    let stat: ReturnType<typeof parseCpuTicks>;
    try {
      stat = parseCpuTicks(readFileSync(`/proc/${pid}/stat`, 'latin1'));
    } catch {
      continue; // exited while we looked
    }
    if (!stat || !isRunningState(stat.state)) continue;
    let memoryBytes = 0;
    try {
      memoryBytes = parseRssBytes(readFileSync(`/proc/${pid}/status`, 'latin1'));
    } catch {
      // exited between the two reads: its memory is gone too
    }
    const group = groups.get(stat.pgrp) ?? { ticks: 0, memoryBytes: 0 };
    group.ticks += stat.ticks;
    group.memoryBytes += memoryBytes;
    groups.set(stat.pgrp, group);
  }
  return new Map([...groups].map(([pgrp, g]) => [pgrp, { cpuSeconds: g.ticks / TICKS_PER_SECOND, memoryBytes: g.memoryBytes }]));
}
