import type { ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SlipwayError, toSlipwayError } from '../../errors.js';
import type { Driver, ExitInfo, InstanceHandle, InstanceSpec, InstanceUsage, Inspection, StopOptions } from '../driver.js';
import { handleOfProcess, PROCESS_DRIVER, processOf, type LocalProcess } from './local-handle.js';
import { rotateLogFile } from './log-rotation.js';
import { leaderState, stopProcessGroup } from './process-group.js';
import { INSTANCE_VAR, OWNER_VAR, spawnInstance } from './spawn-instance.js';
import { findMarkedProcesses } from './find-marked.js';
import { readLastLines } from './tail-file.js';
import { groupUsages } from './proc-usage.js';

/** How long one pass over /proc answers usage() for every instance. */
const USAGE_FRESH_MS = 1000;

export interface LocalDriverOptions {
  /** The daemon's state directory; its absolute path marks every instance this driver starts. */
  readonly stateDir: string;
  /** Where `<instance id>.log` files go. */
  readonly logDir: string;
  /** Rotate a log past this size (default 10 MiB). */
  readonly maxLogBytes?: number;
  /** Rotated copies kept: .1 … .keepLogs (default 3). */
  readonly keepLogs?: number;
  /** How often adopted instances (not our children) are checked for exit (default 500 ms). */
  readonly pollMs?: number;
  /** How often log sizes are checked (default 30 s). */
  readonly rotateEveryMs?: number;
  /** Failures of background work (log rotation); the driver never prints. */
  readonly onBackgroundError?: (err: SlipwayError) => void;
}

interface Watched {
  readonly handle: LocalProcess;
  /** Set for instances this driver spawned: their 'exit' event carries code and signal. */
  readonly child: ChildProcess | undefined;
  readonly exited: Promise<void>;
  readonly markExited: () => void;
}

/** Runs instances as local processes, each in its own process group, surviving daemon restarts. */
export class LocalDriver implements Driver {
  readonly name = PROCESS_DRIVER;
  readonly #owner: string;
  readonly #logDir: string;
  readonly #maxLogBytes: number;
  readonly #keepLogs: number;
  readonly #pollMs: number;
  readonly #onBackgroundError: (err: SlipwayError) => void;
  /** The last pass over /proc (usage()), reused for USAGE_FRESH_MS. */
  #usage: { at: number; groups: Map<number, InstanceUsage> } | undefined;
  readonly #watched = new Map<string, Watched>();
  readonly #listeners: Array<(exit: ExitInfo) => void> = [];
  readonly #rotateTimer: NodeJS.Timeout;
  #pollTimer: NodeJS.Timeout | undefined;
  #rotation: Promise<void> | undefined;
  #closed = false;

  constructor(options: LocalDriverOptions) {
    this.#owner = resolve(options.stateDir);
    this.#logDir = resolve(options.logDir);
    this.#maxLogBytes = options.maxLogBytes ?? 10 * 1024 * 1024;
    this.#keepLogs = options.keepLogs ?? 3;
    this.#pollMs = options.pollMs ?? 500;
    this.#onBackgroundError = options.onBackgroundError ?? (() => undefined);
    this.#rotateTimer = setInterval(() => {
      this.rotateLogs().catch((err: unknown) => this.#onBackgroundError(toSlipwayError(err)));
    }, options.rotateEveryMs ?? 30_000).unref();
  }

  logFileFor(id: string): string {
    return join(this.#logDir, `${id}.log`);
  }

  async start(spec: InstanceSpec): Promise<InstanceHandle> {
    this.#assertOpen();
    const existing = this.#watched.get(spec.id);
    if (existing && leaderState(existing.handle) === 'running') {
      throw new SlipwayError('SLW_DRIVER_INSTANCE_EXISTS', `Instance ${spec.id} is already running (pid ${existing.handle.pid}).`);
    }
    const { child, process } = await spawnInstance(spec, this.#owner, this.logFileFor(spec.id));
    const watched = this.#watch(process, child);
    child.once('exit', (code, signal) => this.#fire(watched, code, signal));
    return handleOfProcess(process);
  }

  async stop(handle: InstanceHandle, options: StopOptions): Promise<void> {
    const process = processOf(handle);
    await stopProcessGroup(process, { graceMs: options.graceMs, pollMs: Math.min(this.#pollMs, 20) });
    const watched = this.#watched.get(handle.id);
    if (!watched || watched.handle.pid !== process.pid) return;
    // Our own child's 'exit' event (with code and signal) comes when libuv reaps it.
    if (watched.child) await Promise.race([watched.exited, sleep(1000)]);
    this.#fire(watched, null, null);
  }

  async inspect(handle: InstanceHandle): Promise<Inspection> {
    return { running: leaderState(processOf(handle)) === 'running' };
  }

  /**
   * CPU and memory of the instance's process group (it leads its own group). One pass over
   * /proc serves every instance asked about within USAGE_FRESH_MS: a scrape of N instances
   * reads /proc once, not N times.
   */
  async usage(handle: InstanceHandle): Promise<InstanceUsage | undefined> {
    const process = processOf(handle);
    if (leaderState(process) !== 'running') return undefined;
    const now = Date.now();
    if (!this.#usage || now - this.#usage.at > USAGE_FRESH_MS) this.#usage = { at: now, groups: groupUsages() };
    return this.#usage.groups.get(process.pid);
  }

  async adopt(handle: InstanceHandle): Promise<boolean> {
    this.#assertOpen();
    const process = processOf(handle);
    if (leaderState(process) !== 'running') return false;
    if (this.#watched.has(handle.id)) return true;
    this.#watch(process, undefined);
    this.#pollTimer ??= setInterval(() => this.#pollAdopted(), this.#pollMs).unref();
    return true;
  }

  async findStrays(known: ReadonlySet<string>): Promise<InstanceHandle[]> {
    return findMarkedProcesses(OWNER_VAR, this.#owner)
      .filter((p) => !known.has(p.env.get(INSTANCE_VAR) ?? ''))
      .flatMap((p) => {
        const id = p.env.get(INSTANCE_VAR);
        if (!id) return [];
        const port = Number(p.env.get('PORT') ?? 0);
        return [handleOfProcess({ id, pid: p.pid, startTime: p.startTime, port, logFile: this.logFileFor(id) })];
      });
  }

  onExit(listener: (exit: ExitInfo) => void): void {
    this.#listeners.push(listener);
  }

  /** The last lines of the log, reaching into `<id>.log.1` when a rotation just emptied it. */
  async logs(handle: InstanceHandle, lines: number): Promise<string[]> {
    const { logFile } = processOf(handle);
    try {
      const current = await readLastLines(logFile, lines);
      if (current.length >= lines || this.#keepLogs === 0) return current;
      const previous = await readLastLines(`${logFile}.1`, lines - current.length);
      return [...previous, ...current];
    } catch (err) {
      throw new SlipwayError('SLW_DRIVER_LOG_FAILED', `Log file ${logFile} could not be read: ${(err as Error).message}.`, { cause: err });
    }
  }

  /** Rotates every watched instance's log that has grown past maxLogBytes (also run on a timer). */
  rotateLogs(): Promise<void> {
    this.#rotation ??= this.#rotateAll().finally(() => {
      this.#rotation = undefined;
    });
    return this.#rotation;
  }

  /** Stops timers and exit watching; the instances keep running for the next daemon to adopt. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#rotateTimer);
    if (this.#pollTimer) clearInterval(this.#pollTimer);
    this.#pollTimer = undefined;
    this.#watched.clear();
    await this.#rotation?.catch(() => undefined);
  }

  async #rotateAll(): Promise<void> {
    const files = [...this.#watched.values()].map((w) => w.handle.logFile);
    for (const file of files) {
      try {
        await rotateLogFile(file, this.#maxLogBytes, this.#keepLogs);
      } catch (err) {
        throw new SlipwayError('SLW_DRIVER_LOG_FAILED', `Log file ${file} could not be rotated: ${(err as Error).message}.`, { cause: err });
      }
    }
  }

  #watch(handle: LocalProcess, child: ChildProcess | undefined): Watched {
    let markExited = (): void => undefined;
    const exited = new Promise<void>((resolve) => {
      markExited = resolve;
    });
    const watched: Watched = { handle, child, exited, markExited };
    this.#watched.set(handle.id, watched);
    return watched;
  }

  #pollAdopted(): void {
    for (const watched of this.#watched.values()) {
      if (!watched.child && leaderState(watched.handle) !== 'running') this.#fire(watched, null, null);
    }
  }

  /** Fires onExit once per instance: only the first call for a watched entry gets through. */
  #fire(watched: Watched, code: number | null, signal: string | null): void {
    if (this.#closed || this.#watched.get(watched.handle.id) !== watched) return;
    this.#watched.delete(watched.handle.id);
    watched.markExited();
    const exit: ExitInfo = { id: watched.handle.id, code, signal };
    for (const listener of this.#listeners) listener(exit);
  }

  #assertOpen(): void {
    if (this.#closed) throw new SlipwayError('SLW_INTERNAL', 'The local driver was used after close().');
  }
}
