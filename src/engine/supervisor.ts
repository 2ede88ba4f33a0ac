import type { ExitInfo } from '../drivers/driver.js';
import type { EngineContext } from './context.js';
import { gateInstance } from './health-gate.js';
import { handleOf, setInstanceState } from './instance-ops.js';
import { spawnInstance } from './start-instances.js';

const MAX_BACKOFF_MS = 30_000;

export function restartDelay(restarts: number): number {
  return Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(restarts, 10));
}

/**
 * Watches instance exits: an instance that dies on its own leaves rotation at once and,
 * if it belongs to the active release, is restarted with exponential backoff and gated.
 */
export class Supervisor {
  readonly #ctx: EngineContext;
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
    ctx.deps.driver.onExit((exit) => this.#onExit(exit));
  }

  #onExit(exit: ExitInfo): void {
    if (this.#closed) return;
    const { deps } = this.#ctx;
    const instance = deps.store.instance(exit.id);
    if (!instance || (instance.state !== 'healthy' && instance.state !== 'unhealthy')) return;
    const how = exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code ?? '?'}`;
    const failed = setInstanceState(deps, instance, 'failed', { lastExit: how });
    void this.#ctx.publisher.publish(`instance ${instance.id} ${how}`).catch(() => undefined);
    const service = deps.store.service(instance.service);
    if (service?.activeRelease !== instance.releaseId) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#restart(failed.id);
    }, restartDelay(failed.restarts));
    this.#timers.add(timer);
  }

  async #restart(id: string): Promise<void> {
    const { deps } = this.#ctx;
    const instance = deps.store.instance(id);
    const release = instance ? deps.store.release(instance.releaseId) : undefined;
    if (this.#closed || !instance || !release || instance.state !== 'failed') return;
    if (deps.store.service(instance.service)?.activeRelease !== release.id) return;
    try {
      const starting = setInstanceState(deps, instance, 'starting', { restarts: instance.restarts + 1 });
      const spawned = await spawnInstance(deps, starting, release, undefined);
      await gateInstance(deps, spawned, release.spec.health, undefined);
      await this.#ctx.publisher.publish(`instance ${id} restarted`);
    } catch {
      const current = deps.store.instance(id);
      const handle = current ? handleOf(current) : undefined;
      if (handle && deps.driver.isAlive(handle)) await deps.driver.stop(handle, { graceMs: release.spec.stopTimeoutMs });
      if (current && current.state === 'starting') {
        const failed = setInstanceState(deps, current, 'failed', { lastExit: 'restart failed its health gate' });
        this.#onRestartFailed(failed.id, failed.restarts);
      }
    }
  }

  #onRestartFailed(id: string, restarts: number): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#restart(id);
    }, restartDelay(restarts));
    this.#timers.add(timer);
  }

  /** After boot: instances of active releases that died while the daemon was down start again. */
  resume(): void {
    const { deps } = this.#ctx;
    for (const service of deps.store.services()) {
      if (!service.activeRelease) continue;
      for (const instance of deps.store.instances({ releaseId: service.activeRelease })) {
        if (instance.state === 'failed') this.#onRestartFailed(instance.id, 0);
      }
    }
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
