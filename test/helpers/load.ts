import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LoadFailure {
  readonly at: number;
  readonly path: string;
  readonly what: string;
}

export interface LoadOptions {
  readonly port: number;
  readonly host: string;
  /** Target rate of the fast loops together. */
  readonly rps: number;
  readonly loops?: number;
  /** Concurrent 2-second requests kept in flight. */
  readonly slow?: number;
  readonly slowMs?: number;
  readonly method?: string;
  /** Path of the fast requests (default "/"). */
  readonly path?: string;
  /**
   * Send a GET again, once, when a kept-alive connection it reused was closed before any
   * answer (the keep-alive race of RFC 9112 §9.3.1, which browsers and curl retry): for tests
   * where the proxy closes idle client connections on purpose (a proxy restart). Counted in
   * `retried`; off by default, so everywhere else such a close is a failure.
   */
  readonly retryStaleKeepAlive?: boolean;
}

/**
 * A bounded load generator over keep-alive connections: fast GETs at a paced rate plus a few
 * long requests always in flight. Every failure (non-2xx or socket error) is recorded.
 */
export class LoadGenerator {
  readonly failures: LoadFailure[] = [];
  ok = 0;
  slowOk = 0;
  /** Requests sent again after a reused connection closed before an answer (retryStaleKeepAlive). */
  retried = 0;
  readonly #o: LoadOptions;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 64 });
  #running = true;
  #loops: Promise<void>[] = [];
  readonly started = Date.now();

  constructor(options: LoadOptions) {
    this.#o = options;
    const loops = options.loops ?? 8;
    const gap = (1000 * loops) / options.rps;
    for (let i = 0; i < loops; i++) this.#loops.push(this.#fast(gap));
    for (let i = 0; i < (options.slow ?? 0); i++) this.#loops.push(this.#slow());
  }

  get total(): number {
    return this.ok + this.failures.length;
  }

  rate(): number {
    return this.ok / ((Date.now() - this.started) / 1000);
  }

  async #fast(gap: number): Promise<void> {
    await sleep(Math.random() * gap);
    while (this.#running) {
      const began = Date.now();
      await this.#one(this.#o.path ?? '/', 5000);
      const rest = gap - (Date.now() - began);
      if (rest > 0) await sleep(rest);
    }
  }

  async #slow(): Promise<void> {
    while (this.#running) {
      if (await this.#one(`/slow?ms=${this.#o.slowMs ?? 2000}`, 30_000)) this.slowOk++;
    }
  }

  #one(path: string, timeoutMs: number, retry = this.#o.retryStaleKeepAlive === true): Promise<boolean> {
    return new Promise((resolve) => {
      const req = request(
        { host: '127.0.0.1', port: this.#o.port, path, method: this.#o.method ?? 'GET', agent: this.#agent, headers: { host: this.#o.host }, timeout: timeoutMs },
        (res) => {
          res.resume();
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              this.ok++;
              resolve(true);
            } else {
              this.failures.push({ at: Date.now(), path, what: `HTTP ${status} ${String(res.headers['x-request-id'] ?? '')}` });
              resolve(false);
            }
          });
          res.on('error', (err) => {
            this.failures.push({ at: Date.now(), path, what: `response ${err.message}` });
            resolve(false);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('client timeout')));
      req.on('error', (err: NodeJS.ErrnoException) => {
        const stale = retry && req.reusedSocket && err.code === 'ECONNRESET' && (this.#o.method ?? 'GET') === 'GET';
        if (stale) {
          this.retried++;
          resolve(this.#one(path, timeoutMs, false));
          return;
        }
        this.failures.push({ at: Date.now(), path, what: err.message });
        resolve(false);
      });
      req.end();
    });
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
    this.#agent.destroy();
  }
}
