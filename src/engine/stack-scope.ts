/**
 * The stack deployment an engine call runs inside. A stack deploy takes the deploy lock once
 * and runs its services' deployments side by side inside `withStack`: each of them records the
 * stack's id and takes its `lock` step from the stack's lease instead of the lock itself (which
 * would refuse the second service while the first holds it).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { EngineDeps } from './deps.js';
import type { LockLease } from './lock.js';

interface StackScope {
  readonly id: string;
  readonly lease: LockLease;
}

const current = new AsyncLocalStorage<StackScope>();

export function withStack<T>(scope: StackScope, fn: () => T): T {
  return current.run(scope, fn);
}

/** The id of the stack deployment the caller runs inside, if any. */
export function currentStack(): string | undefined {
  return current.getStore()?.id;
}

/** The deploy lock for one service's deployment: its own, or the stack's it runs inside (released by the stack). */
export function deployLease(deps: Pick<EngineDeps, 'lock'>, owner: string, deploymentId: string): LockLease {
  const stack = current.getStore();
  if (stack) return { record: stack.lease.record, release: () => undefined };
  return deps.lock.acquire(owner, deploymentId);
}
