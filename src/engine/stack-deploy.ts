/**
 * A deploy (or rollback) of several services as one stack deployment: one record with a report
 * per service, the deploy lock taken once, the services of each dependsOn level deployed side
 * by side (at most STACK_CONCURRENCY at once), each gated on its dependencies being healthy. A
 * failure stops the levels after it, and the services this deploy had switched go back to their
 * previous releases (warm: one switch each), dependents first, unless stack rollback is off.
 */
import { randomBytes } from 'node:crypto';
import type { DeployResult } from '../api/schemas.js';
import type { Config } from '../config/model.js';
import { SlipwayError, toSlipwayError } from '../errors.js';
import { currentActor } from './actor.js';
import type { EngineContext } from './context.js';
import { boundedAll, deployLevels } from './deploy-levels.js';
import type { Reporter } from './deployment-run.js';
import type { EngineDeps } from './deps.js';
import type { OperationResult } from './outcome.js';
import type { StackDeploymentRecord } from './records.js';
import { stackReports } from './stack-report.js';
import { withStack } from './stack-scope.js';

/** Services of one level deployed at once, at most (builds and health gates share the host). */
export const STACK_CONCURRENCY = 4;

export type ServiceDeploy = (name: string) => Promise<OperationResult>;
export type ServiceRollback = (name: string, because: string) => Promise<OperationResult>;

export interface StackOutcome {
  readonly results: DeployResult[];
  readonly error: SlipwayError | undefined;
  readonly stack: StackDeploymentRecord;
}

/** One stack deployment's record, journaled at each change. */
class StackJournal {
  record: StackDeploymentRecord;
  readonly #deps: Pick<EngineDeps, 'store' | 'now'>;
  readonly #levels: readonly (readonly string[])[];
  /** Services that did not start because a dependency was down, and why. */
  readonly refusals = new Map<string, { reason: string; errorCode: string }>();

  constructor(deps: Pick<EngineDeps, 'store' | 'now'>, kind: StackDeploymentRecord['kind'], levels: readonly (readonly string[])[]) {
    this.#deps = deps;
    this.#levels = levels;
    const now = deps.now();
    const stamp = new Date(now).toISOString().replace(/[-:T]/g, '').slice(0, 14);
    this.record = {
      id: `s${stamp}-${randomBytes(3).toString('hex')}`,
      kind,
      state: 'running',
      startedAt: new Date(now).toISOString(),
      endedAt: undefined,
      reason: undefined,
      errorCode: undefined,
      ...(currentActor() ? { actor: currentActor() } : {}),
      services: [],
    };
    this.save();
  }

  /** Journals the record with each service's report read from its deployments so far. */
  save(end?: Pick<StackDeploymentRecord, 'state' | 'reason' | 'errorCode'>): void {
    const services = stackReports(this.#deps.store, this.record, this.#levels, this.refusals);
    this.record = { ...this.record, ...end, services, ...(end ? { endedAt: new Date(this.#deps.now()).toISOString() } : {}) };
    const record = this.record;
    this.#deps.store.transact({ kind: end ? `stack.${end.state}` : 'stack.progress', data: { id: record.id, ...(end ?? {}) } }, (tx) => tx.putStack(record));
  }
}

/** Is some instance of the service's active release healthy (what a dependent is gated on)? */
function healthy(deps: Pick<EngineDeps, 'store'>, service: string): boolean {
  const active = deps.store.service(service)?.activeRelease;
  return active !== undefined && deps.store.instances({ service, releaseId: active }).some((i) => i.state === 'healthy');
}

/** Deploys `order` (dependencies first) as one stack deployment. */
export async function deployStack(
  ctx: EngineContext,
  config: Config,
  order: readonly string[],
  reporter: Reporter,
  run: { deploy: ServiceDeploy; rollback: ServiceRollback; stackRollback: boolean },
): Promise<StackOutcome> {
  const { deps } = ctx;
  const levels = deployLevels(config.services, order);
  const lease = deps.lock.acquire(`stack deploy of ${order.join(', ')} (daemon pid ${process.pid})`, undefined);
  const journal = new StackJournal(deps, 'deploy', levels);
  try {
    return await withStack({ id: journal.record.id, lease }, async () => {
      if (levels.some((l) => l.length > 1)) reporter({ type: 'note', message: `stack ${journal.record.id}: ${levels.map((l) => l.join(' + ')).join(' → ')} (services joined by + deploy side by side)` });
      const results: DeployResult[] = [];
      let failure: { service: string; error: SlipwayError } | undefined;
      for (const level of levels) {
        const done = await boundedAll(level, STACK_CONCURRENCY, async (name) => {
          const down = (config.services[name]?.dependsOn ?? []).filter((d) => d in config.services && !healthy(deps, d));
          const outcome = down.length > 0 ? refused(journal, name, down, reporter) : await run.deploy(name);
          if (outcome.error && !failure) failure = { service: name, error: outcome.error };
          journal.save();
          return outcome;
        }, () => failure !== undefined);
        for (const o of done) if (o) results.push(o.result);
        if (failure) break;
      }
      if (!failure) {
        journal.save({ state: 'succeeded', reason: undefined, errorCode: undefined });
        return { results, error: undefined, stack: journal.record };
      }
      const { service, error } = failure;
      // A service deployed for the first time, or an accessory left as it was, has nothing to go back to.
      const switched = results.filter((r) => r.outcome === 'succeeded' && r.fromRelease !== undefined && r.release !== r.fromRelease).map((r) => r.service);
      const because = `stack rollback: ${service} failed in the same deploy (${error.code})`;
      let rolledBack = true;
      if (switched.length > 0 && run.stackRollback) {
        reporter({ type: 'note', message: `${because}; rolling back ${[...switched].reverse().join(', ')}` });
        for (const name of [...switched].reverse()) {
          const back = await run.rollback(name, because);
          results.push(back.result);
          if (back.error) rolledBack = false;
        }
      }
      const backed = switched.length > 0 && run.stackRollback && rolledBack;
      const reason = `${service} failed (${error.code}): ${error.message}${switched.length === 0 ? '' : backed ? `; rolled back: ${[...switched].reverse().join(', ')}` : run.stackRollback ? '; the stack rollback did not complete' : `; left on their new release (--no-stack-rollback): ${switched.join(', ')}`}`;
      journal.save({ state: backed ? 'reverted' : 'failed', reason, errorCode: error.code });
      return { results, error, stack: journal.record };
    });
  } catch (err) {
    const error = toSlipwayError(err);
    journal.save({ state: 'failed', reason: error.message, errorCode: error.code });
    throw err;
  } finally {
    lease.release();
  }
}

/** A service whose dependency is down does not start: a failed result of its own, nothing changed. */
function refused(journal: StackJournal, name: string, down: readonly string[], reporter: Reporter): OperationResult {
  const error = new SlipwayError('SLW_DEPENDENCY_UNHEALTHY', `${name} was not deployed: ${down.join(', ')} (in its dependsOn) has no healthy instance.`, { details: { service: name, dependencies: down } });
  reporter({ type: 'note', service: name, message: error.message });
  journal.refusals.set(name, { reason: error.message, errorCode: error.code });
  return { result: { deploymentId: '', service: name, kind: 'deploy', outcome: 'failed', durationMs: 0, reason: error.message, errorCode: error.code, report: { releases: [], steps: [] } }, error };
}

/** Rolls back `names` (in that order) as one stack deployment of kind rollback; stops at the first failure. */
export async function rollbackStack(ctx: EngineContext, names: readonly string[], rollback: (name: string) => Promise<OperationResult>): Promise<StackOutcome> {
  const { deps } = ctx;
  const lease = deps.lock.acquire(`stack rollback of ${names.join(', ')} (daemon pid ${process.pid})`, undefined);
  const journal = new StackJournal(deps, 'rollback', names.map((n) => [n]));
  try {
    return await withStack({ id: journal.record.id, lease }, async () => {
      const results: DeployResult[] = [];
      for (const name of names) {
        const { result, error } = await rollback(name);
        results.push(result);
        journal.save();
        if (error) {
          journal.save({ state: 'failed', reason: `${name}: ${error.message}`, errorCode: error.code });
          return { results, error, stack: journal.record };
        }
      }
      journal.save({ state: 'succeeded', reason: undefined, errorCode: undefined });
      return { results, error: undefined, stack: journal.record };
    });
  } finally {
    lease.release();
  }
}

/**
 * Boot: a stack deployment the daemon died in ends `failed`, its services' reports read from
 * their deployments (which recovery has just finished or reverted, one by one).
 */
export function settleInterruptedStacks(deps: Pick<EngineDeps, 'store' | 'now'>): string[] {
  const settled: string[] = [];
  for (const stack of deps.store.stacks({ open: true })) {
    const levels: string[][] = [];
    for (const s of stack.services) (levels[s.level] ??= []).push(s.service);
    const services = stackReports(deps.store, stack, levels.filter((l) => l !== undefined));
    const record: StackDeploymentRecord = { ...stack, services, state: 'failed', endedAt: new Date(deps.now()).toISOString(), reason: 'interrupted: the daemon stopped during this stack deployment; each service was finished or reverted on restart', errorCode: 'SLW_DEPLOY_INTERRUPTED' };
    deps.store.transact({ kind: 'stack.failed', data: { id: stack.id, recovered: true } }, (tx) => tx.putStack(record));
    settled.push(stack.id);
  }
  return settled;
}
