import type { ExitInfo } from '../drivers/driver.js';
import { formatSize } from '../lib/size.js';
import type { EngineContext } from './context.js';
import { gateInstance } from './health-gate.js';
import { isRunning, setInstanceState } from './instance-ops.js';
import type { InstanceRecord } from './records.js';
import { spawnInstance } from './start-instances.js';
import { LivenessWatch } from './liveness.js';

const MAX_BACKOFF_MS = 30_000;
/** A restart streak ends when the instance has run this long without exiting. */
const STREAK_RESET_MS = 60_000;
/** An instance that stays up but fails its health checks this long is restarted. */
const UNHEALTHY_RESTART_MS = 30_000;
const CHECK_EVERY_MS = 1000;
/** How often due liveness checks are looked for (each runs at its own release's interval). */
const LIVENESS_TICK_MS = 200;

export function restartDelay(streak: number): number {
  return Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(streak, 10));
}

/**
 * Keeps the active release's instances running: one that exits on its own leaves rotation at
 * once and is restarted with exponential backoff, then health-gated before it rejoins; one
 * that stays up but keeps failing its health checks is restarted the same way.
 */
export class Supervisor {
  readonly #ctx: EngineContext;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #streaks = new Map<string, { count: number; last: number }>();
  readonly #unhealthySince = new Map<string, number>();
  readonly #check: NodeJS.Timeout;
  readonly #liveness: LivenessWatch;
  readonly #livenessTick: NodeJS.Timeout;
  #closed = false;

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
    ctx.deps.drivers.onExit((exit) => this.#onExit(exit));
    this.#check = setInterval(() => void this.#checkHealth(), CHECK_EVERY_MS);
    this.#check.unref();
    this.#liveness = new LivenessWatch(ctx, (instance, how) => this.#kill(instance, how));
    this.#livenessTick = setInterval(() => void this.#liveness.tick().catch(() => undefined), LIVENESS_TICK_MS);
    this.#livenessTick.unref();
  }

  #onExit(exit: ExitInfo): void {
    if (this.#closed) return;
    const { deps } = this.#ctx;
    const instance = deps.store.instance(exit.id);
    if (!instance || (instance.state !== 'healthy' && instance.state !== 'unhealthy')) return;
    if (exit.outOfMemory) {
      const limit = deps.store.release(instance.service, instance.releaseId)?.spec.isolation?.memoryBytes;
      const size = limit === undefined ? '' : ` of ${formatSize(limit)}`;
      const how =
        exit.outOfMemory === 'reported'
          ? `killed by its memory limit${size} (out of memory, as the engine reports)`
          : `killed by SIGKILL (exit code ${exit.code ?? 137}) with a memory limit${size}: most likely out of memory`;
      this.#failed(instance, how, { outOfMemoryKills: (instance.outOfMemoryKills ?? 0) + 1 });
      return;
    }
    const how = exit.signal ? `killed by ${exit.signal}` : exit.code === null ? 'exited' : `exited with code ${exit.code}`;
    this.#failed(instance, how);
  }

  /** Out of rotation now (new table), restart later if it belongs to the active release. */
  #failed(instance: InstanceRecord, how: string, extra: Partial<InstanceRecord> = {}): void {
    const { deps } = this.#ctx;
    const failed = setInstanceState(deps, instance, 'failed', { ...extra, lastExit: how });
    void this.#ctx.publisher.publish(`instance ${instance.id} ${how}`).catch(() => undefined);
    if (deps.store.service(instance.service)?.activeRelease !== instance.releaseId) return;
    this.#schedule(failed.id);
  }

  #schedule(id: string): void {
    if (this.#closed) return;
    const now = this.#ctx.deps.now();
    const previous = this.#streaks.get(id);
    const count = previous && now - previous.last < STREAK_RESET_MS ? previous.count + 1 : 0;
    this.#streaks.set(id, { count, last: now });
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#restart(id);
    }, restartDelay(count));
    this.#timers.add(timer);
  }

  async #restart(id: string): Promise<void> {
    const { deps } = this.#ctx;
    const instance = deps.store.instance(id);
    const release = instance ? deps.store.release(instance.service, instance.releaseId) : undefined;
    if (this.#closed || !instance || !release || instance.state !== 'failed') return;
    if (deps.store.service(instance.service)?.activeRelease !== release.id) return;
    try {
      const starting = setInstanceState(deps, instance, 'starting', { restarts: instance.restarts + 1 });
      const spawned = await spawnInstance(deps, starting, release, undefined);
      await gateInstance(deps, spawned, release.spec.health, undefined);
      this.#unhealthySince.delete(id);
      await this.#ctx.publisher.publish(`instance ${id} restarted`);
    } catch {
      const current = deps.store.instance(id);
      const handle = current?.handle;
      if (current && handle && (await isRunning(deps, current))) await deps.drivers.of(handle).stop(handle, { graceMs: release.spec.stopTimeoutMs });
      if (current && current.state === 'starting') {
        setInstanceState(deps, current, 'failed', { lastExit: 'restart failed its health gate' });
        this.#schedule(id);
      }
    }
  }

  /** Instances the proxy reports unhealthy for too long are stopped and restarted. */
  async #checkHealth(): Promise<void> {
    if (this.#closed) return;
    const { deps } = this.#ctx;
    let status;
    try {
      status = await deps.dataPlane.status();
    } catch {
      return;
    }
    const now = deps.now();
    for (const target of status.targets) {
      if (!target.inRotation || target.healthy) {
        this.#unhealthySince.delete(target.id);
        continue;
      }
      const since = this.#unhealthySince.get(target.id) ?? now;
      this.#unhealthySince.set(target.id, since);
      if (now - since < (deps.unhealthyRestartMs ?? UNHEALTHY_RESTART_MS)) continue;
      const instance = deps.store.instance(target.id);
      if (!instance || instance.state !== 'healthy') continue;
      this.#unhealthySince.delete(target.id);
      // With a liveness check of its own, a failing readiness check only keeps it out of rotation.
      if (deps.store.release(instance.service, instance.releaseId)?.spec.health.liveness) continue;
      await this.#kill(instance, `unhealthy for ${Math.round((now - since) / 1000)}s (${target.lastError ?? 'health check failing'})`);
    }
  }

  /** Out of rotation, stopped, restarted later (a running instance that failed its checks). */
  async #kill(instance: InstanceRecord, how: string): Promise<void> {
    if (this.#closed) return;
    const { deps } = this.#ctx;
    const release = deps.store.release(instance.service, instance.releaseId);
    const { handle } = instance;
    this.#failed(instance, how);
    if (handle) await deps.drivers.of(handle).stop(handle, { graceMs: release?.spec.stopTimeoutMs ?? 10_000 }).catch(() => undefined);
  }

  /** After boot: instances of active releases that died while the daemon was down start again. */
  resume(): void {
    const { deps } = this.#ctx;
    for (const service of deps.store.services()) {
      if (!service.activeRelease) continue;
      for (const instance of deps.store.instances({ service: service.name, releaseId: service.activeRelease })) {
        if (instance.state === 'failed') this.#schedule(instance.id);
      }
    }
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#check);
    clearInterval(this.#livenessTick);
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
