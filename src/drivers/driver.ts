/**
 * The one interface through which the engine starts and stops app instances.
 * Implementations: local/ (processes on this machine), fake/ (in-memory, for engine tests);
 * containers and SSH come later. All run through test/drivers/contract.ts.
 */
export interface InstanceSpec {
  /** Unique id, e.g. "web-r3-1"; stable for the instance's life. */
  readonly id: string;
  readonly service: string;
  readonly releaseId: string;
  /** Working directory: the release's directory. */
  readonly cwd: string;
  /** argv; argv[0] is resolved through PATH. */
  readonly command: readonly string[];
  /** Environment for the app; the driver adds PORT and the SLIPWAY_* markers. */
  readonly env: Readonly<Record<string, string>>;
  readonly port: number;
}

/** What is journaled about a running instance, enough to find it again after a daemon restart. */
export interface InstanceHandle {
  readonly id: string;
  readonly pid: number;
  /** Kernel start time of the pid (clock ticks since boot): guards against pid reuse. */
  readonly startTime: number;
  readonly port: number;
  /** Per-instance log file (stdout and stderr interleaved). */
  readonly logFile: string;
}

export interface ExitInfo {
  readonly id: string;
  readonly code: number | null;
  readonly signal: string | null;
}

export interface StopOptions {
  /** Time between SIGTERM and SIGKILL. */
  readonly graceMs: number;
}

export interface Driver {
  /** Starts the instance; resolves once the process exists (not once it is healthy). */
  start(spec: InstanceSpec): Promise<InstanceHandle>;
  /**
   * SIGTERM to the process group, SIGKILL after graceMs; resolves when no process of the group
   * is left (and, for an instance this driver watches, after its onExit has fired). Idempotent.
   * Never signals a pid that now belongs to another process (start time differs).
   */
  stop(handle: InstanceHandle, options: StopOptions): Promise<void>;
  /** True when the pid is alive and still the same process (start time matches). */
  isAlive(handle: InstanceHandle): boolean;
  /**
   * Takes responsibility for an instance started by an earlier daemon (exit watching).
   * Returns false when it is gone; true (and nothing changes) when it is already watched.
   */
  adopt(handle: InstanceHandle): boolean;
  /** Instances carrying this state dir's marker that are not in `known` (crash leftovers). */
  findStrays(known: ReadonlySet<string>): InstanceHandle[];
  /** Called once when a started or adopted instance exits (never after close()). */
  onExit(listener: (exit: ExitInfo) => void): void;
  /** The last `lines` lines of the instance's log. */
  tailLog(handle: Pick<InstanceHandle, 'logFile'>, lines: number): Promise<string[]>;
  /** Stops watching (instances keep running). */
  close(): Promise<void>;
}
