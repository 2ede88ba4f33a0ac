import type { EngineDeps } from './deps.js';
import { assertTransition, type InstanceState } from './instance-state.js';
import type { InstanceRecord } from './records.js';

/** Journals an instance state change (checked against the transition table). */
export function setInstanceState(
  deps: EngineDeps,
  instance: InstanceRecord,
  state: InstanceState,
  extra: Partial<InstanceRecord> = {},
  deploymentId?: string,
): InstanceRecord {
  assertTransition(instance.id, instance.state, state);
  const next: InstanceRecord = { ...instance, ...extra, state, updatedAt: new Date(deps.now()).toISOString() };
  deps.store.transact({ deploymentId, kind: `instance.${state}`, data: { id: instance.id, ...extra } }, (tx) => tx.putInstance(next));
  return next;
}

export function handleOf(i: InstanceRecord): { id: string; pid: number; startTime: number; port: number; logFile: string } | undefined {
  if (i.pid === undefined || i.startTime === undefined) return undefined;
  return { id: i.id, pid: i.pid, startTime: i.startTime, port: i.port, logFile: i.logFile ?? '' };
}
