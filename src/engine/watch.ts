import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineContext } from './context.js';
import type { OutcomeCounts, Verdict } from './judge.js';
import { delta, outcomes, type Snapshot } from './report.js';

const WATCH_POLL_MS = 250;

export interface WatchInput {
  readonly service: string;
  readonly release: string;
  readonly instanceIds: readonly string[];
  readonly watchMs: number;
  readonly baseline: OutcomeCounts | undefined;
  readonly switched: Snapshot;
  /** Cancellation: the watch ends by throwing its reason (the deploy then reverts). */
  readonly signal?: AbortSignal;
}

/**
 * The watch window after the switch: health of the new instances (as the proxy keeps
 * checking it) and the judge's comparison of the new release against the old one.
 */
export async function watchRelease(ctx: EngineContext, input: WatchInput): Promise<Verdict> {
  const { deps } = ctx;
  const deadline = deps.now() + input.watchMs;
  while (deps.now() < deadline) {
    await sleep(Math.min(WATCH_POLL_MS, Math.max(0, deadline - deps.now())));
    input.signal?.throwIfAborted();
    for (const id of input.instanceIds) {
      const record = deps.store.instance(id);
      if (record && record.state === 'failed') {
        return { decision: 'fail', reason: `instance ${id} exited after the switch (${record.lastExit ?? 'unknown'})` };
      }
    }
    let status;
    try {
      status = await deps.dataPlane.status();
    } catch {
      continue;
    }
    for (const target of status.targets) {
      if (input.instanceIds.includes(target.id) && !target.healthy) {
        return { decision: 'fail', reason: `instance ${target.id} failed its health check after the switch (${target.lastError ?? 'unhealthy'})` };
      }
    }
    const candidate = outcomes(delta(input.service, input.release, input.switched, status));
    const verdict = deps.judge.evaluate({ baseline: input.baseline, candidate });
    if (verdict.decision === 'fail') return verdict;
  }
  return { decision: 'continue' };
}
