import type { EngineContext } from './context.js';
import { check } from './health-gate.js';
import type { InstanceRecord, ReleaseSpec } from './records.js';

type Liveness = NonNullable<ReleaseSpec['health']['liveness']>;

/**
 * Liveness checks (health.liveness) of the active releases' running instances, each at its
 * release's interval: `failures` in a row and `dead` is called (the supervisor restarts it).
 * Readiness is the proxy's business: it only moves traffic.
 */
export class LivenessWatch {
  readonly #ctx: EngineContext;
  readonly #dead: (instance: InstanceRecord, how: string) => Promise<void>;
  readonly #failures = new Map<string, number>();
  readonly #due = new Map<string, number>();
  #busy = false;

  constructor(ctx: EngineContext, dead: (instance: InstanceRecord, how: string) => Promise<void>) {
    this.#ctx = ctx;
    this.#dead = dead;
  }

  async tick(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const { deps } = this.#ctx;
      const now = deps.now();
      const probes: Promise<void>[] = [];
      for (const service of deps.store.services()) {
        const release = service.activeRelease ? deps.store.release(service.name, service.activeRelease) : undefined;
        const live = release?.spec.health.liveness;
        if (!release || !live) continue;
        for (const i of deps.store.instances({ service: service.name, releaseId: release.id })) {
          if (i.state !== 'healthy' && i.state !== 'unhealthy') {
            this.#failures.delete(i.id);
            continue;
          }
          if ((this.#due.get(i.id) ?? 0) > now) continue;
          this.#due.set(i.id, now + live.intervalMs);
          probes.push(this.#probe(i, live));
        }
      }
      await Promise.all(probes);
    } finally {
      this.#busy = false;
    }
  }

  async #probe(instance: InstanceRecord, live: Liveness): Promise<void> {
    const { deps } = this.#ctx;
    const result = await check(deps, instance, live, undefined).catch((err: unknown) => ({ ok: false, error: String(err), status: undefined }));
    if (result.ok) {
      this.#failures.delete(instance.id);
      return;
    }
    const n = (this.#failures.get(instance.id) ?? 0) + 1;
    this.#failures.set(instance.id, n);
    if (n < live.failures) return;
    this.#failures.delete(instance.id);
    const current = deps.store.instance(instance.id);
    if (current?.state !== 'healthy' && current?.state !== 'unhealthy') return;
    const what = live.kind === 'http' ? `GET ${live.path}` : live.kind === 'tcp' ? 'TCP connect' : `\`${(live.command ?? []).join(' ')}\``;
    await this.#dead(current, `liveness check (${what}) failed ${n} times in a row (last: ${result.error ?? `HTTP ${result.status ?? '?'}`})`);
  }
}
