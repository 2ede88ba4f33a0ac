import type { InstanceHandle, InstanceSpec } from '../driver.js';

/** One simulated process. */
export interface FakeProcess {
  readonly spec: InstanceSpec;
  readonly handle: InstanceHandle;
  readonly owner: string;
  running: boolean;
}

/** Where the fake keeps an instance's simulated log. */
export function fakeLogFile(id: string): string {
  return `/fake/logs/${id}.log`;
}

type ExitWatcher = (process: FakeProcess, code: number | null, signal: string | null) => void;

/**
 * The simulated machine several FakeDrivers can share, as a restarted daemon shares the real
 * one with its predecessor: a process table (pids are never reused) and log lines per file.
 */
export class FakeHost {
  readonly #processes = new Map<number, FakeProcess>();
  readonly #logs = new Map<string, string[]>();
  readonly #watchers = new Set<ExitWatcher>();
  #nextPid = 40_000;
  #ticks = 1_000;

  spawn(spec: InstanceSpec, owner: string): InstanceHandle {
    const pid = this.#nextPid++;
    const logFile = fakeLogFile(spec.id);
    const handle: InstanceHandle = { id: spec.id, pid, startTime: this.#ticks++, port: spec.port, logFile };
    this.#processes.set(pid, { spec, handle, owner, running: true });
    this.appendLog(logFile, `[fake] started ${spec.id} on port ${spec.port}`);
    return handle;
  }

  /** The process behind a handle, only if the pid still holds the same process. */
  find(handle: Pick<InstanceHandle, 'pid' | 'startTime'>): FakeProcess | undefined {
    const found = this.#processes.get(handle.pid);
    return found && found.handle.startTime === handle.startTime ? found : undefined;
  }

  running(): FakeProcess[] {
    return [...this.#processes.values()].filter((p) => p.running);
  }

  exit(process: FakeProcess, code: number | null, signal: string | null): void {
    if (!process.running) return;
    process.running = false;
    this.appendLog(process.handle.logFile, `[fake] ${process.spec.id} exited (code ${code}, signal ${signal})`);
    for (const watcher of [...this.#watchers]) watcher(process, code, signal);
  }

  watch(watcher: ExitWatcher): () => void {
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  appendLog(logFile: string, line: string): void {
    const lines = this.#logs.get(logFile) ?? [];
    lines.push(line);
    this.#logs.set(logFile, lines);
  }

  logLines(logFile: string): readonly string[] {
    return this.#logs.get(logFile) ?? [];
  }
}
