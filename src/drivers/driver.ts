import type { ContainerIsolation } from '../config/container-model.js';

/**
 * The one interface through which the engine starts and stops app instances. Every method is
 * async, so it can be implemented over a local process table, the Docker Engine API or a
 * network. Implementations: local/ (processes on this machine), container/ (the Docker Engine
 * API: Docker and Podman), fake/ (in-memory, for engine tests). All run through
 * test/drivers/contract.ts.
 */
export interface InstanceSpec {
  /** Unique id, e.g. "web-r3-1a2b3c"; stable for the instance's life. */
  readonly id: string;
  readonly service: string;
  readonly releaseId: string;
  /** Working directory: the release's directory (processes; a container uses its image's). */
  readonly cwd: string;
  /** argv; argv[0] is resolved through PATH. For a container, empty means the image's CMD. */
  readonly command: readonly string[];
  /** The image a container instance runs (NAME[:TAG] or an id, already on the engine); other drivers ignore it. */
  readonly image?: string | undefined;
  /** Environment for the app; the driver adds PORT and the SLIPWAY_* markers. */
  readonly env: Readonly<Record<string, string>>;
  /** The port the app is told to listen on ($PORT). */
  readonly port: number;
  /** The project on the host (a container's label); absent: the host's only project. */
  readonly project?: string | undefined;
  /** Host directories a container instance sees (volumes, secret files); other drivers ignore them. */
  readonly mounts?: readonly { readonly source: string; readonly target: string; readonly readOnly: boolean }[] | undefined;
  /** Limits and isolation: a container gets every field from the engine; a process gets memoryBytes, pids and openFiles as rlimits at spawn (the config refuses the rest there). */
  readonly isolation?: ContainerIsolation | undefined;
  /** Run as this uid/gid (processes; `user:` in slipway.yaml); absent: the daemon's own. */
  readonly user?: { readonly uid: number; readonly gid: number } | undefined;
}

/** Where the proxy and the health checks reach an instance. */
export interface InstanceAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * A started instance, as journaled and handed back to its driver later (after a daemon restart
 * too). Outside its driver only `id`, `driver`, `address` and the display fields are read;
 * `data` belongs to the driver that made it.
 */
export interface InstanceHandle {
  readonly id: string;
  /** The registry name of the driver that started it ("process", "fake", …). */
  readonly driver: string;
  readonly address: InstanceAddress;
  /** For people: "pid 4242", "container 3f2a…". */
  readonly ref: string;
  /** The host's process id when the instance is one (display and tests only). */
  readonly pid?: number | undefined;
  /** Driver-private: what it needs to find the instance again. */
  readonly data: Readonly<Record<string, string | number>>;
}

export interface ExitInfo {
  readonly id: string;
  readonly code: number | null;
  readonly signal: string | null;
  /**
   * Killed for going past its memory limit (a container's cgroup limit): "reported" when the
   * engine says so (OOMKilled), "likely" when it cannot tell but the instance had a memory limit
   * and died of SIGKILL that its driver did not send. Absent: not a memory kill as far as known.
   */
  readonly outOfMemory?: 'reported' | 'likely' | undefined;
}

export interface StopOptions {
  /** Time between the polite stop (SIGTERM) and the forced one (SIGKILL). */
  readonly graceMs: number;
}

export interface Inspection {
  /** Running and still the same instance (a reused pid or id does not count). */
  readonly running: boolean;
}

/** What an instance uses, as its driver measures it (a process group, a container's cgroup). */
export interface InstanceUsage {
  /** CPU time used since the instance started (user + system), in seconds. */
  readonly cpuSeconds: number;
  /** Resident memory now, in bytes. */
  readonly memoryBytes: number;
}

export interface Driver {
  /** The name handles carry, and services choose a driver by. */
  readonly name: string;
  /** Starts the instance; resolves once it exists (not once it is healthy). */
  start(spec: InstanceSpec): Promise<InstanceHandle>;
  /**
   * Polite stop, forced after graceMs; resolves when nothing of the instance is left (and, for
   * an instance this driver watches, after its onExit has fired). Idempotent. Never touches
   * something that merely reuses the instance's pid or id.
   */
  stop(handle: InstanceHandle, options: StopOptions): Promise<void>;
  inspect(handle: InstanceHandle): Promise<Inspection>;
  /**
   * Takes responsibility for an instance started by an earlier daemon (exit watching).
   * Resolves false when it is gone; true (and nothing changes) when it is already watched.
   */
  adopt(handle: InstanceHandle): Promise<boolean>;
  /** Instances carrying this state dir's marker that are not in `known` (crash leftovers). */
  findStrays(known: ReadonlySet<string>): Promise<InstanceHandle[]>;
  /** Called once when a started or adopted instance exits (never after close()). */
  onExit(listener: (exit: ExitInfo) => void): void;
  /** The last `lines` lines of the instance's output. */
  logs(handle: InstanceHandle, lines: number): Promise<string[]>;
  /** What the instance uses now; undefined when it is gone. Absent: the driver cannot tell. */
  usage?(handle: InstanceHandle): Promise<InstanceUsage | undefined>;
  /** Stops watching (instances keep running). */
  close(): Promise<void>;
}
