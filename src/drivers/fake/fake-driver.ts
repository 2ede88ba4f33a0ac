import { SlipwayError } from '../../errors.js';
import type { Driver, ExitInfo, InstanceHandle, InstanceSpec, Inspection, StopOptions } from '../driver.js';
import { FAKE_DRIVER, FakeHost, type FakeProcess } from './fake-host.js';

export interface FakeDriverOptions {
  /** Share one host between drivers to simulate a daemon restart (default: a new host). */
  readonly host?: FakeHost;
  /** Plays the role of the state dir marker (default "fake"). */
  readonly owner?: string;
  /** Return an error to make start() fail for this spec (e.g. a missing command). */
  readonly failStart?: (spec: InstanceSpec) => SlipwayError | undefined;
}

/** A stop() the fake received, for engine tests to assert on. */
export interface FakeStop {
  readonly id: string;
  readonly graceMs: number;
}

/** In-memory Driver for engine tests: nothing is spawned; exits happen on stop() or crash(). */
export class FakeDriver implements Driver {
  readonly name = FAKE_DRIVER;
  readonly host: FakeHost;
  readonly stops: FakeStop[] = [];
  readonly #owner: string;
  readonly #failStart: FakeDriverOptions['failStart'];
  readonly #watched = new Set<string>();
  readonly #outOfMemory = new Map<string, NonNullable<ExitInfo['outOfMemory']>>();
  readonly #listeners: Array<(exit: ExitInfo) => void> = [];
  readonly #unwatch: () => void;

  constructor(options: FakeDriverOptions = {}) {
    this.host = options.host ?? new FakeHost();
    this.#owner = options.owner ?? 'fake';
    this.#failStart = options.failStart;
    this.#unwatch = this.host.watch((process, code, signal) => this.#exited(process, code, signal));
  }

  async start(spec: InstanceSpec): Promise<InstanceHandle> {
    await Promise.resolve();
    const failure = this.#failStart?.(spec);
    if (failure) throw failure;
    if (this.#mine().some((p) => p.spec.id === spec.id)) {
      throw new SlipwayError('SLW_DRIVER_INSTANCE_EXISTS', `Instance ${spec.id} is already running.`);
    }
    const handle = this.host.spawn(spec, this.#owner);
    this.#watched.add(handle.id);
    return handle;
  }

  async stop(handle: InstanceHandle, options: StopOptions): Promise<void> {
    await Promise.resolve();
    this.stops.push({ id: handle.id, graceMs: options.graceMs });
    const process = this.host.find(handle);
    if (process) this.host.exit(process, null, 'SIGTERM');
  }

  async inspect(handle: InstanceHandle): Promise<Inspection> {
    await Promise.resolve();
    return { running: this.host.find(handle)?.running ?? false };
  }

  async adopt(handle: InstanceHandle): Promise<boolean> {
    await Promise.resolve();
    if (!(this.host.find(handle)?.running ?? false)) return false;
    this.#watched.add(handle.id);
    return true;
  }

  async findStrays(known: ReadonlySet<string>): Promise<InstanceHandle[]> {
    await Promise.resolve();
    return this.#mine()
      .filter((p) => !known.has(p.spec.id))
      .map((p) => p.handle);
  }

  onExit(listener: (exit: ExitInfo) => void): void {
    this.#listeners.push(listener);
  }

  async logs(handle: InstanceHandle, lines: number): Promise<string[]> {
    await Promise.resolve();
    return lines <= 0 ? [] : this.host.logLines(handle.id).slice(-lines);
  }

  async close(): Promise<void> {
    this.#unwatch();
    this.#watched.clear();
  }

  /** Simulates the instance exiting on its own (killed by its memory limit when outOfMemory is given). */
  crash(id: string, code: number | null = 1, signal: string | null = null, outOfMemory?: ExitInfo['outOfMemory']): void {
    const process = this.#mine().find((p) => p.spec.id === id);
    if (!process) throw new Error(`FakeDriver.crash: no running instance ${id}`);
    if (outOfMemory) this.#outOfMemory.set(process.handle.id, outOfMemory);
    this.host.exit(process, code, signal);
  }

  /** Appends a line to the instance's simulated log. */
  log(id: string, line: string): void {
    this.host.appendLog(id, line);
  }

  /** Specs of the running instances of this owner, for assertions. */
  running(): InstanceSpec[] {
    return this.#mine().map((p) => p.spec);
  }

  #mine(): FakeProcess[] {
    return this.host.running().filter((p) => p.owner === this.#owner);
  }

  #exited(process: FakeProcess, code: number | null, signal: string | null): void {
    if (!this.#watched.delete(process.handle.id)) return;
    const outOfMemory = this.#outOfMemory.get(process.handle.id);
    this.#outOfMemory.delete(process.handle.id);
    const exit: ExitInfo = { id: process.spec.id, code, signal, ...(outOfMemory ? { outOfMemory } : {}) };
    for (const listener of this.#listeners) listener(exit);
  }
}
