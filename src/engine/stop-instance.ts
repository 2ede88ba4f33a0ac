import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineDeps } from './deps.js';
import { setInstanceState } from './instance-ops.js';
import { isLive } from './instance-state.js';
import type { InstanceRecord } from './records.js';

const DRAIN_POLL_MS = 100;

/**
 * Stops an instance that is out of rotation: waits until the proxy reports no request or
 * websocket in flight on it (at most drainMs), then SIGTERM, then SIGKILL after the grace.
 * Invariant 5: no instance is stopped with requests in flight, short of the drain timeout.
 */
export async function drainAndStop(deps: EngineDeps, instance: InstanceRecord, deploymentId?: string): Promise<void> {
  let current = deps.store.instance(instance.id) ?? instance;
  if (!isLive(current.state)) return;
  const release = deps.store.release(current.service, current.releaseId);
  const drainMs = release?.spec.drainMs ?? 30_000;
  const graceMs = release?.spec.stopTimeoutMs ?? 10_000;
  if (current.state !== 'draining') current = setInstanceState(deps, current, 'draining', {}, deploymentId);
  const deadline = deps.now() + drainMs;
  while (deps.now() < deadline) {
    if (await isIdle(deps, current.id)) break;
    await sleep(DRAIN_POLL_MS);
  }
  const { handle } = current;
  if (handle) await deps.drivers.of(handle).stop(handle, { graceMs });
  setInstanceState(deps, current, 'stopped', {}, deploymentId);
}

async function isIdle(deps: EngineDeps, id: string): Promise<boolean> {
  try {
    const status = await deps.dataPlane.status();
    const target = status.targets.find((t) => t.id === id);
    return !target || (target.inflight === 0 && target.websockets === 0);
  } catch {
    return false;
  }
}

/** Stops instances right away (they never took traffic), for failed starts. */
export async function stopUnused(deps: EngineDeps, instances: readonly InstanceRecord[], deploymentId?: string): Promise<void> {
  await Promise.all(
    instances.map(async (i) => {
      const current = deps.store.instance(i.id) ?? i;
      if (!isLive(current.state)) return;
      const { handle } = current;
      const release = deps.store.release(current.service, current.releaseId);
      if (handle) await deps.drivers.of(handle).stop(handle, { graceMs: release?.spec.stopTimeoutMs ?? 10_000 });
      setInstanceState(deps, current, 'stopped', {}, deploymentId);
    }),
  );
}
