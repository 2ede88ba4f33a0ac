import { probeHttp, type HttpProbeResult } from '../lib/health-probe.js';
import type { HealthCheck } from './protocol.js';

/** Probes one target every `intervalMs` (first probe one interval after start) until stopped. */
export class HealthChecker {
  readonly #host: string;
  readonly #port: number;
  readonly #check: HealthCheck;
  readonly #onResult: (result: HttpProbeResult) => void;
  #timer: NodeJS.Timeout | undefined;
  #abort: AbortController | undefined;
  #stopped = false;

  constructor(host: string, port: number, check: HealthCheck, onResult: (result: HttpProbeResult) => void) {
    this.#host = host;
    this.#port = port;
    this.#check = check;
    this.#onResult = onResult;
  }

  get check(): HealthCheck {
    return this.#check;
  }

  start(): void {
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#abort?.abort();
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#probe(), this.#check.intervalMs);
    this.#timer.unref();
  }

  async #probe(): Promise<void> {
    this.#abort = new AbortController();
    const result = await probeHttp({
      host: this.#host,
      port: this.#port,
      path: this.#check.path,
      timeoutMs: this.#check.timeoutMs,
      signal: this.#abort.signal,
    });
    if (this.#stopped) return;
    this.#onResult(result);
    this.#schedule();
  }
}
