import type { DeploymentRun } from './deployment-run.js';
import type { EngineDeps } from './deps.js';
import { TablePublisher } from './routing.js';

/** A canary step as it goes: when it began and the judge's latest evidence per test, as a share of its rollback threshold (1 = roll back). */
export interface CanaryStepLive {
  readonly startedAt: number;
  readonly evidence: { readonly errors: number; readonly p95: number; readonly p99: number } | undefined;
}

/** Shared by the engine's operations inside one daemon: table publishing and protected releases. */
export class EngineContext {
  readonly deps: EngineDeps;
  readonly publisher: TablePublisher;
  readonly #protected = new Map<string, number>();
  /** Deployments running in this daemon, by id (cancel, follow). */
  readonly running = new Map<string, DeploymentRun>();
  /** The step in progress of each canary judged in this daemon, by deployment id (not journaled: the judge restarts with the daemon). */
  readonly canarySteps = new Map<string, CanaryStepLive>();

  constructor(deps: EngineDeps) {
    this.deps = deps;
    this.publisher = new TablePublisher(deps);
  }

  /** Keeps the reaper away from these releases until the returned function is called. */
  protect(service: string, releases: readonly (string | undefined)[]): () => void {
    const ids = releases.filter((r): r is string => r !== undefined).map((r) => keyOf(service, r));
    for (const id of ids) this.#protected.set(id, (this.#protected.get(id) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      for (const id of ids) {
        const n = (this.#protected.get(id) ?? 1) - 1;
        if (n <= 0) this.#protected.delete(id);
        else this.#protected.set(id, n);
      }
    };
  }

  register(run: DeploymentRun): () => void {
    this.running.set(run.id, run);
    return () => this.running.delete(run.id);
  }

  isProtected(service: string, release: string): boolean {
    return this.#protected.has(keyOf(service, release));
  }
}

/** Release ids are unique only inside their service. */
function keyOf(service: string, release: string): string {
  return `${service}\u0000${release}`;
}
