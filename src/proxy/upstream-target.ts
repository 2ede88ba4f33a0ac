import type { HttpProbeResult } from '../lib/health-probe.js';
import { HealthChecker } from './health-checker.js';
import { HealthState } from './health-state.js';
import type { ProxyEvents } from './events.js';
import type { HealthCheck, ReleaseStats, ServiceTable, Target, TargetStatus } from './protocol.js';
import { UpstreamPool, type UpstreamPoolOptions } from './upstream-pool.js';

/**
 * Where a target is in its life:
 *   serving  --removed from the table-->            draining
 *   draining --back in a table-->                   serving
 *   draining --in-flight and websockets done, or drainMs passed--> closed (final)
 */
export type TargetPhase = 'serving' | 'draining' | 'closed';

/** A proxied websocket, closable when its target's drain window ends. */
export interface Tunnel {
  close(): void;
}

export interface TargetDeps {
  readonly stats: ReleaseStats;
  readonly events: ProxyEvents;
  readonly poolOptions: UpstreamPoolOptions;
  /** Called once when the target reaches `closed`. */
  readonly onClosed: (target: UpstreamTarget) => void;
}

/** Identity of a target across tables: same service, instance id and address. */
export function targetKey(service: string, t: Target): string {
  return `${service}\u0000${t.id}\u0000${t.host}\u0000${t.port}`;
}

/** One instance behind the proxy: its pool, health, in-flight count, websockets and drain. */
export class UpstreamTarget {
  readonly key: string;
  readonly service: string;
  readonly id: string;
  readonly release: string;
  readonly host: string;
  readonly port: number;
  readonly stats: ReleaseStats;
  readonly tunnels = new Set<Tunnel>();
  #phase: TargetPhase = 'serving';
  #inflight = 0;
  #drainMs: number;
  #health: HealthState;
  #checker: HealthChecker | undefined;
  #pool: UpstreamPool | undefined;
  #drainTimer: NodeJS.Timeout | undefined;
  readonly #deps: TargetDeps;

  constructor(service: string, target: Target, config: ServiceTable, deps: TargetDeps) {
    this.key = targetKey(service, target);
    this.service = service;
    this.id = target.id;
    this.release = target.release;
    this.host = target.host;
    this.port = target.port;
    this.stats = deps.stats;
    this.#deps = deps;
    this.#drainMs = config.drainMs;
    this.#health = new HealthState(config.health);
    this.#checker = this.#newChecker(config.health);
  }

  get inflight(): number {
    return this.#inflight;
  }
  get phase(): TargetPhase {
    return this.#phase;
  }
  /** In rotation and passing its health checks: new requests may go here. */
  get healthy(): boolean {
    return this.#phase === 'serving' && this.#health.verdict === 'healthy';
  }

  get pool(): UpstreamPool {
    this.#pool ??= new UpstreamPool(this.host, this.port, this.#deps.poolOptions);
    return this.#pool;
  }

  /** Starts health checks (call once the table holding this target is committed). */
  start(): void {
    this.#checker?.start();
  }

  /** The target is (again) in the committed table, maybe with a new health check or drainMs. */
  serve(config: ServiceTable): void {
    if (this.#phase === 'closed') throw new Error(`target ${this.id} is closed`);
    const check = config.health;
    this.#drainMs = config.drainMs;
    if (this.#phase === 'draining') {
      clearTimeout(this.#drainTimer);
      this.#phase = 'serving';
      this.#health = new HealthState(check);
      this.#checker = this.#newChecker(check);
      this.#checker.start();
      return;
    }
    this.#health.setThresholds(check);
    if (!this.#checker || !sameCheck(this.#checker.check, check)) {
      this.#checker?.stop();
      this.#checker = this.#newChecker(check);
      this.#checker.start();
    }
  }

  /** Removed from the table: no new requests; in-flight ones and websockets get `drainMs`. */
  drain(): void {
    if (this.#phase !== 'serving') return;
    this.#phase = 'draining';
    this.#checker?.stop();
    this.#checker = undefined;
    this.#drainTimer = setTimeout(() => this.#close(true), this.#drainMs);
    this.#drainTimer.unref();
    this.#settle();
  }

  requestStarted(): void {
    this.#inflight++;
  }

  requestEnded(): void {
    this.#inflight--;
    if (this.#phase === 'draining') this.#settle();
  }

  addTunnel(tunnel: Tunnel): void {
    this.tunnels.add(tunnel);
  }

  removeTunnel(tunnel: Tunnel): void {
    this.tunnels.delete(tunnel);
    if (this.#phase === 'draining') this.#settle();
  }

  /** A real request could not connect: counts like a failed health check. */
  connectFailed(error: string): void {
    if (this.#phase === 'serving') this.#record(false, error);
  }

  /** Closes everything now (proxy shutdown). */
  destroy(): void {
    this.#checker?.stop();
    this.#close(this.#inflight > 0 || this.tunnels.size > 0, false);
  }

  status(): TargetStatus {
    const lastError = this.#health.lastError;
    return {
      id: this.id,
      service: this.service,
      release: this.release,
      port: this.port,
      inRotation: this.#phase === 'serving',
      healthy: this.#health.verdict === 'healthy',
      inflight: this.#inflight,
      websockets: this.tunnels.size,
      consecutiveFailures: this.#health.consecutiveFailures,
      ...(lastError === undefined ? {} : { lastError }),
    };
  }

  #newChecker(check: HealthCheck): HealthChecker {
    return new HealthChecker(this.host, this.port, check, (r) => this.#onProbe(r));
  }

  #onProbe(result: HttpProbeResult): void {
    if (this.#phase === 'serving') this.#record(result.ok, result.error ?? 'health check failed');
  }

  #record(ok: boolean, error: string): void {
    const changed = ok ? this.#health.success() : this.#health.failure(error);
    if (changed === undefined) return;
    const healthy = changed === 'healthy';
    this.#deps.events.emit('target-health', {
      service: this.service,
      id: this.id,
      release: this.release,
      healthy,
      ...(healthy ? {} : { error }),
    });
  }

  /** While draining: close the pool once idle, and finish once websockets are gone too. */
  #settle(): void {
    if (this.#inflight > 0) return;
    const pool = this.#pool;
    this.#pool = undefined;
    void pool?.close();
    if (this.tunnels.size === 0) this.#close(false);
  }

  #close(forced: boolean, announce = true): void {
    if (this.#phase === 'closed') return;
    const wasDraining = this.#phase === 'draining';
    this.#phase = 'closed';
    clearTimeout(this.#drainTimer);
    const pool = this.#pool;
    this.#pool = undefined;
    void pool?.destroy();
    for (const tunnel of [...this.tunnels]) tunnel.close();
    this.tunnels.clear();
    if (announce && wasDraining) {
      this.#deps.events.emit('target-drained', { service: this.service, id: this.id, release: this.release, forced });
    }
    this.#deps.onClosed(this);
  }
}

function sameCheck(a: HealthCheck, b: HealthCheck): boolean {
  return a.path === b.path && a.intervalMs === b.intervalMs && a.timeoutMs === b.timeoutMs;
}
