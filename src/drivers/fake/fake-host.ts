import type { InstanceHandle, InstanceSpec } from '../driver.js';

export const FAKE_DRIVER = 'fake';
/** The address host fake instances report: the engine must use it as given, never assume loopback. */
export const FAKE_ADDRESS_HOST = 'fake-host.invalid';

/** One simulated process. */
export interface FakeProcess {
  readonly spec: InstanceSpec;
  readonly handle: InstanceHandle;
  readonly serial: number;
  readonly owner: string;
  running: boolean;
}

type ExitWatcher = (process: FakeProcess, code: number | null, signal: string | null) => void;

/**
 * The simulated machine several FakeDrivers can share, as a restarted daemon shares the real
 * one with its predecessor: a process table (serial numbers are never reused) and log lines per
 * instance.
 */
export class FakeHost {
  readonly #processes = new Map<number, FakeProcess>();
  readonly #logs = new Map<string, string[]>();
  readonly #watchers = new Set<ExitWatcher>();
  #nextSerial = 40_000;

  spawn(spec: InstanceSpec, owner: string): InstanceHandle {
    const serial = this.#nextSerial++;
    const handle: InstanceHandle = {
      id: spec.id,
      driver: FAKE_DRIVER,
      address: { host: FAKE_ADDRESS_HOST, port: spec.port },
      ref: `fake ${serial}`,
      pid: serial,
      data: { serial },
    };
    this.#processes.set(serial, { spec, handle, serial, owner, running: true });
    this.appendLog(spec.id, `[fake] started ${spec.id} on port ${spec.port}`);
    return handle;
  }

  /** The process behind a handle (its serial number is never reused). */
  find(handle: InstanceHandle): FakeProcess | undefined {
    const serial = handle.data['serial'];
    const found = typeof serial === 'number' ? this.#processes.get(serial) : undefined;
    return found && found.spec.id === handle.id ? found : undefined;
  }

  running(): FakeProcess[] {
    return [...this.#processes.values()].filter((p) => p.running);
  }

  exit(process: FakeProcess, code: number | null, signal: string | null): void {
    if (!process.running) return;
    process.running = false;
    this.appendLog(process.spec.id, `[fake] ${process.spec.id} exited (code ${code}, signal ${signal})`);
    for (const watcher of [...this.#watchers]) watcher(process, code, signal);
  }

  watch(watcher: ExitWatcher): () => void {
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  appendLog(id: string, line: string): void {
    const lines = this.#logs.get(id) ?? [];
    lines.push(line);
    this.#logs.set(id, lines);
  }

  logLines(id: string): readonly string[] {
    return this.#logs.get(id) ?? [];
  }
}
