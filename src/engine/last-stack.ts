import type { DeployResult } from '../api/schemas.js';
import type { EngineDeps } from './deps.js';

/** The services the last deploy of a whole stack switched, in deploy order: what `slipway rollback` with no service undoes. */
export interface StackRecord {
  readonly at: string;
  readonly services: readonly { readonly service: string; readonly release: string; readonly from: string }[];
}

const KEY = 'stack.last';

/**
 * Remembers what a stack deploy (or the rollback of one) switched, in its order; services deployed
 * the first time have nothing to go back to.
 */
export function recordStack(deps: Pick<EngineDeps, 'store' | 'now'>, results: readonly DeployResult[]): void {
  const services = results
    .filter((r) => r.outcome === 'succeeded' && r.release !== undefined && r.fromRelease !== undefined && r.release !== r.fromRelease)
    .map((r) => ({ service: r.service, release: r.release ?? '', from: r.fromRelease ?? '' }));
  const record: StackRecord = { at: new Date(deps.now()).toISOString(), services };
  deps.store.transact({ kind: 'stack.deployed', data: record }, (tx) => tx.setMeta(KEY, JSON.stringify(record)));
}

/**
 * The services of the last stack deploy that still run what it deployed, last first: rolling
 * them back in that order undoes the deploy (dependents before what they depend on). A service
 * deployed again since is left alone.
 */
export function stackToRollBack(deps: Pick<EngineDeps, 'store'>): { record: StackRecord; services: string[] } | undefined {
  const raw = deps.store.meta(KEY);
  if (!raw) return undefined;
  const record = JSON.parse(raw) as StackRecord;
  const services = [...record.services]
    .reverse()
    .filter((s) => {
      const now = deps.store.service(s.service);
      return now?.activeRelease === s.release && now.previousRelease === s.from;
    })
    .map((s) => s.service);
  return { record, services };
}
