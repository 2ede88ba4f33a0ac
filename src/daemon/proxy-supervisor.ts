import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { DataPlane } from '../engine/deps.js';
import type { ListenSpec } from '../engine/routing.js';
import { ProxyClient } from '../proxy/client.js';
import { findRunningProxy, spawnProxy } from '../proxy/launch.js';
import type { HandoffResult, ProxyStatus, RoutingTableInput, TableAck } from '../proxy/protocol.js';
import { PROXY_DIR, PROXY_SOCKET } from '../proxy/paths.js';
import { SlipwayError } from '../errors.js';

const WATCH_MS = 1000;
/** A restart spawns a process and waits for it to serve; the proxy itself gives up after 15 s. */
const RESTART_TIMEOUT_MS = 60_000;

/**
 * The daemon's handle on the proxy process: finds or spawns it, pushes tables, and
 * respawns it if it dies (it restores its last table from disk by itself).
 */
export interface SupervisorEventMap {
  /** The proxy stopped answering its control socket and a new process serves now. */
  'proxy-restarted': [{ pid: number; restarts: number; downMs: number; tableVersion: number }];
  /** A restart attempt failed; the next check (every second) tries again. */
  'proxy-restart-failed': [{ error: string }];
}

export class ProxySupervisor extends EventEmitter<SupervisorEventMap> implements DataPlane {
  readonly #stateDir: string;
  readonly #client: ProxyClient;
  #timer: NodeJS.Timeout | undefined;
  #respawning: Promise<ProxyStatus> | undefined;
  #restarting: Promise<HandoffResult> | undefined;
  onRestart: () => Promise<void> = async () => undefined;
  /** Dead proxies restarted since the daemon started (slipway_proxy_restarts_total). */
  restarts = 0;

  constructor(stateDir: string) {
    super();
    this.#stateDir = stateDir;
    this.#client = new ProxyClient(join(stateDir, PROXY_DIR, PROXY_SOCKET));
  }

  /** Adopts a running proxy, or starts one. */
  async ensure(_listen: ListenSpec | undefined): Promise<ProxyStatus> {
    const running = await findRunningProxy(this.#stateDir);
    if (running) return running.status();
    await spawnProxy({ stateDir: this.#stateDir, logFile: join(this.#stateDir, 'logs', 'proxy.log') });
    return this.#client.status();
  }

  apply(table: RoutingTableInput): Promise<TableAck> {
    return this.#client.putTable(table);
  }

  status(): Promise<ProxyStatus> {
    return this.#client.status();
  }

  /**
   * `slipway proxy restart`: the running proxy starts a fresh process and hands it its
   * listening sockets, pid file and control socket. The socket answers throughout, so the
   * watch never sees the proxy gone; a failed handoff leaves the old process serving.
   */
  restart(): Promise<HandoffResult> {
    if (this.#restarting) {
      return Promise.reject(new SlipwayError('SLW_PROXY_RESTART_IN_PROGRESS', 'A proxy restart is already in progress.'));
    }
    const client = new ProxyClient(this.#client.socketPath, { timeoutMs: RESTART_TIMEOUT_MS });
    this.#restarting = client.handoff();
    return this.#restarting.finally(() => (this.#restarting = undefined));
  }

  watch(): void {
    this.#timer = setInterval(() => void this.#check(), WATCH_MS);
    this.#timer.unref();
  }

  async #check(): Promise<void> {
    if (this.#respawning || this.#restarting) return;
    try {
      await this.#client.status();
    } catch {
      const since = Date.now();
      this.#respawning = this.ensure(undefined);
      try {
        const status = await this.#respawning;
        this.restarts++;
        this.emit('proxy-restarted', { pid: status.pid, restarts: this.restarts, downMs: Date.now() - since, tableVersion: status.tableVersion });
        await this.onRestart();
      } catch (err) {
        this.emit('proxy-restart-failed', { error: err instanceof Error ? err.message : String(err) });
        // next tick tries again
      } finally {
        this.#respawning = undefined;
      }
    }
  }

  async shutdown(): Promise<void> {
    await this.#client.shutdown().catch(() => undefined);
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}
