import { rm } from 'node:fs/promises';
import type { EngineContext } from './context.js';
import { isLive } from './instance-state.js';
import { drainAndStop } from './stop-instance.js';

const REAP_EVERY_MS = 500;

/**
 * Converges actual on desired in the background: drains and stops instances of releases
 * that are neither active, nor warm for rollback, nor part of a deployment in progress;
 * prunes release directories beyond the retention count.
 */
export class Reaper {
  readonly #ctx: EngineContext;
  readonly #busy = new Set<string>();
  readonly #timer: NodeJS.Timeout;
  #running: Promise<void> | undefined;

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
    this.#timer = setInterval(() => void this.tick(), REAP_EVERY_MS);
    this.#timer.unref();
  }

  isWanted(releaseId: string, service: string): boolean {
    const { deps } = this.#ctx;
    if (this.#ctx.isProtected(service, releaseId)) return true;
    const record = deps.store.service(service);
    if (!record) return false;
    if (record.activeRelease === releaseId || record.canary?.release === releaseId) return true;
    return record.previousRelease === releaseId && (record.warmUntil ?? 0) > deps.now();
  }

  tick(): Promise<void> {
    this.#running ??= this.#tick().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #tick(): Promise<void> {
    const { deps } = this.#ctx;
    for (const instance of deps.store.instances({ live: true })) {
      if (this.#busy.has(instance.id) || this.isWanted(instance.releaseId, instance.service)) continue;
      this.#busy.add(instance.id);
      void drainAndStop(deps, instance)
        .catch(() => undefined)
        .finally(() => this.#busy.delete(instance.id));
    }
    await this.#prune().catch(() => undefined);
  }

  async #prune(): Promise<void> {
    const { deps } = this.#ctx;
    for (const service of deps.store.services()) {
      const all = deps.store.releases(service.name);
      const ready = all.filter((r) => r.status === 'ready');
      // Failed and abandoned builds never count toward the releases kept for rollback.
      const doomed = [...ready.slice(deps.keepReleases), ...all.filter((r) => r.status === 'failed')];
      for (const release of doomed) {
        if (this.isWanted(release.id, service.name)) continue;
        if (deps.store.instances({ service: service.name, releaseId: release.id }).some((i) => isLive(i.state))) continue;
        deps.store.transact({ kind: 'release.pruned', data: { id: release.id } }, (tx) => tx.putRelease({ ...release, status: 'pruned' }));
        await rm(release.dir, { recursive: true, force: true });
        // An image slipway built goes with its release (an engine that is away keeps it: harmless).
        if (release.spec.imageBuilt && release.spec.image) await deps.images?.remove(release.spec.image).catch(() => undefined);
      }
    }
  }

  /** Waits for drains in progress (used at shutdown). */
  async settle(): Promise<void> {
    await this.#running;
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
