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
  deps.events?.publish({ kind: 'instance', service: next.service, instance: next.id, release: next.releaseId, state, ...(next.lastExit && state === 'failed' ? { detail: next.lastExit } : {}) });
  return next;
}

/** Is the instance's process or container still there (false when it was never started)? */
export async function isRunning(deps: EngineDeps, i: InstanceRecord): Promise<boolean> {
  if (!i.handle) return false;
  return (await deps.drivers.of(i.handle).inspect(i.handle)).running;
}

/** The last lines of an instance's output, through its driver; [] before it started. */
export async function instanceLogs(deps: EngineDeps, i: InstanceRecord, lines: number): Promise<string[]> {
  if (!i.handle) return [];
  return deps.drivers.of(i.handle).logs(i.handle, lines);
}
