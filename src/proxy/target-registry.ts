import type { ProxyEvents } from './events.js';
import type { RoutingTable, ServiceTable } from './protocol.js';
import { compileRuntime, type RuntimeTable } from './runtime-table.js';
import type { ProxyStats } from './stats.js';
import { targetKey, UpstreamTarget } from './upstream-target.js';
import type { UpstreamPoolOptions } from './upstream-pool.js';

/** What committing a table changes; computed without side effects, applied by `commit`. */
export interface TablePlan {
  readonly runtime: RuntimeTable;
  readonly added: readonly UpstreamTarget[];
  readonly kept: ReadonlyArray<readonly [UpstreamTarget, ServiceTable]>;
  readonly removed: readonly UpstreamTarget[];
}

export interface RegistryDeps {
  readonly stats: ProxyStats;
  readonly events: ProxyEvents;
  readonly poolOptions: UpstreamPoolOptions;
}

/** Every target the proxy knows, in rotation or draining, keyed across tables. */
export class TargetRegistry {
  readonly #targets = new Map<string, UpstreamTarget>();
  readonly #deps: RegistryDeps;

  constructor(deps: RegistryDeps) {
    this.#deps = deps;
  }

  all(): UpstreamTarget[] {
    return [...this.#targets.values()];
  }

  /** Builds the runtime for `table`, reusing known targets (their pools, health, counts). */
  plan(table: RoutingTable): TablePlan {
    const added: UpstreamTarget[] = [];
    const kept: Array<readonly [UpstreamTarget, ServiceTable]> = [];
    const inTable = new Set<string>();
    const runtime = compileRuntime(table, (service, config) =>
      config.targets.map((spec) => {
        const key = targetKey(service, spec);
        inTable.add(key);
        const known = this.#targets.get(key);
        if (known && known.release === spec.release) {
          kept.push([known, config]);
          return known;
        }
        const target = new UpstreamTarget(service, spec, config, {
          ...this.#deps,
          stats: this.#deps.stats.counters(service, spec.release),
          onClosed: (t) => this.#forget(t),
        });
        added.push(target);
        return target;
      }),
    );
    const removed = this.all().filter((t) => !inTable.has(t.key) && t.phase === 'serving');
    return { runtime, added, kept, removed };
  }

  /** Applies a plan whose runtime was just swapped in. */
  commit(plan: TablePlan): void {
    for (const target of plan.added) {
      const previous = this.#targets.get(target.key);
      previous?.drain(); // same address and id, new release: let the old one finish
      this.#targets.set(target.key, target);
      target.start();
    }
    for (const [target, config] of plan.kept) target.serve(config);
    for (const target of plan.removed) target.drain();
  }

  /** Closes every target now (shutdown). */
  destroyAll(): void {
    for (const target of this.all()) target.destroy();
  }

  #forget(target: UpstreamTarget): void {
    if (this.#targets.get(target.key) === target) this.#targets.delete(target.key);
  }
}
