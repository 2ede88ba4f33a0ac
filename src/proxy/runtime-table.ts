import { compileRouter, type Router } from './router.js';
import type { RoutingTable, ServiceTable } from './protocol.js';
import { compileResponsePolicy, type ResponsePolicy } from './response-policy/policy.js';
import type { UpstreamTarget } from './upstream-target.js';

/** One service of the committed table: its targets in rotation and the balancer over them. */
export class ServiceRuntime {
  readonly name: string;
  readonly config: ServiceTable;
  readonly targets: readonly UpstreamTarget[];
  /** Security headers and compression, compiled once per table. */
  readonly policy: ResponsePolicy;
  #next = 0;

  constructor(name: string, config: ServiceTable, targets: readonly UpstreamTarget[]) {
    this.name = name;
    this.config = config;
    this.targets = targets;
    this.policy = compileResponsePolicy(config);
  }

  /**
   * Round-robin over healthy targets, skipping `exclude`; under a canary split, over those of
   * `release` first (any healthy target when it has none). Undefined when none is left.
   */
  pick(exclude?: UpstreamTarget, release?: string): UpstreamTarget | undefined {
    if (release !== undefined) {
      const own = this.#pickFrom(exclude, release);
      if (own) return own;
    }
    return this.#pickFrom(exclude, undefined);
  }

  #pickFrom(exclude: UpstreamTarget | undefined, release: string | undefined): UpstreamTarget | undefined {
    const n = this.targets.length;
    for (let i = 0; i < n; i++) {
      const index = (this.#next + i) % n;
      const target = this.targets[index];
      if (target && target !== exclude && target.healthy && (release === undefined || target.release === release)) {
        this.#next = (index + 1) % n;
        return target;
      }
    }
    return undefined;
  }
}

/** The committed table, compiled: swapped in by one assignment, never mutated after. */
export interface RuntimeTable {
  readonly table: RoutingTable;
  readonly router: Router;
  readonly services: ReadonlyMap<string, ServiceRuntime>;
}

export function compileRuntime(
  table: RoutingTable,
  targetsOf: (service: string, config: ServiceTable) => UpstreamTarget[],
): RuntimeTable {
  const services = new Map<string, ServiceRuntime>();
  for (const [name, config] of Object.entries(table.services)) {
    services.set(name, new ServiceRuntime(name, config, targetsOf(name, config)));
  }
  return { table, router: compileRouter(table.routes), services };
}
