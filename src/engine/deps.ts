import type { Config } from '../config/model.js';
import type { DriverRegistry } from '../drivers/registry.js';
import type { ProxyStatus, RoutingTableInput, TableAck } from '../proxy/protocol.js';
import type { EventInput } from '../api/event-schemas.js';
import type { ImageStore } from './images.js';
import type { Judge } from './judge.js';
import type { DeployLock } from './lock.js';
import type { StateStore } from './store.js';

/** The engine's view of the data plane: push a table, read live state and counters. */
export interface DataPlane {
  apply(table: RoutingTableInput): Promise<TableAck>;
  status(): Promise<ProxyStatus>;
}

export interface ProbeResult {
  readonly ok: boolean;
  readonly status?: number;
  readonly error?: string;
}

export interface ReleaseBuilder {
  snapshot(o: { source: string; dest: string; exclude: string[] }): Promise<{ commit?: string; dirty?: boolean; contentHash?: string }>;
  build(o: { argv: readonly string[]; cwd: string; env: Record<string, string>; logFile: string; timeoutMs: number; signal?: AbortSignal }): Promise<void>;
}

/** Where the engine tells what happened (the daemon's event bus); the engine never prints. */
export interface EventSink {
  publish(event: EventInput): void;
}

/** Everything the engine needs, as interfaces; the daemon wires the real implementations. */
export interface EngineDeps {
  readonly store: StateStore;
  /** The drivers instances run on; each instance's handle names its own. */
  readonly drivers: DriverRegistry;
  readonly dataPlane: DataPlane;
  readonly lock: DeployLock;
  readonly judge: Judge;
  readonly builder: ReleaseBuilder;
  /** Images on this host's container engine (absent: no engine wired; container services cannot deploy). */
  readonly images?: ImageStore;
  readonly loadConfig: (ref: { configFile: string; env?: string | undefined }) => Promise<Config>;
  /**
   * One health check of an instance: HTTP GET of `path` (kind absent or http), a TCP connect
   * (tcp), or `command` run in `cwd` with `env` (command).
   */
  readonly probe: (o: {
    host: string;
    port: number;
    path: string;
    timeoutMs: number;
    signal?: AbortSignal;
    kind?: 'http' | 'tcp' | 'command';
    command?: readonly string[];
    cwd?: string;
    env?: Readonly<Record<string, string>>;
  }) => Promise<ProbeResult>;
  readonly allocatePort: () => Promise<number>;
  readonly stateDir: string;
  /**
   * The project this engine deploys, on a host that holds several: its releases live under
   * <stateDir>/projects/<project>/releases. Absent or '': <stateDir>/releases (state of before projects, tests).
   */
  readonly project?: string;
  /** Live instances of the host's other projects: a stray sweep leaves them alone. */
  readonly otherProjectsInstances?: () => ReadonlySet<string>;
  /** Environment every instance and build starts from (PATH, HOME, locale…), before the service's own. */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** Crash injection for tests (SLIPWAY_CRASH_AT); a no-op in production. */
  readonly crashPoint: (name: string) => void;
  readonly now: () => number;
  /** Releases kept per service. */
  readonly keepReleases: number;
  /** How long an instance may fail its health checks while up before it is restarted (default 30 s). */
  readonly unhealthyRestartMs?: number;
  /**
   * Before the build step of a deploy: snapshot the data the release may change (backups.beforeDeploy),
   * tied to the release about to be built. Returns a detail for the step, or undefined when nothing was taken.
   */
  /**
   * Runs a release hook (`release:`) to its end: like a build, but with the service's secrets
   * resolved in `env` (the daemon wires secret injection; absent: run as a build, without them).
   */
  readonly runReleaseHook?: (o: { id: string; service: string; argv: readonly string[]; cwd: string; env: Record<string, string>; logFile: string; timeoutMs: number; signal?: AbortSignal }) => Promise<void>;
  /** Deploy progress and instance changes go here too (absent in tests that do not watch). */
  readonly events?: EventSink;
  readonly beforeBuild?: (o: { readonly config: Config; readonly service: string; readonly release: string }) => Promise<string | undefined>;
}
