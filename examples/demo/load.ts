// A small load loop for the demo: paced GETs over keep-alive connections through the proxy,
// plus a few long requests always in flight. Counts every failure; notes when versions change.
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LoadOptions {
  readonly port: number;
  readonly host: string;
  readonly rps: number;
  /** Long requests (GET /slow) kept in flight, each slowMs long. */
  readonly slow: number;
  readonly slowMs: number;
}

interface Reply {
  readonly ok: boolean;
  readonly body: string;
  readonly what: string;
}

const LOOPS = 8;

export class Load {
  served = 0;
  slowServed = 0;
  readonly failures: string[] = [];
  readonly started = performance.now();
  /** When each version was first answered (performance.now()), per switch: [at, version]. */
  readonly versions: Array<[number, string]> = [];
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 64 });
  readonly #loops: Promise<void>[] = [];
  #running = true;
  #stoppedAt: number | undefined;

  constructor(readonly options: LoadOptions) {
    const gap = (1000 * LOOPS) / options.rps;
    for (let i = 0; i < LOOPS; i++) this.#loops.push(this.#fast(gap));
    for (let i = 0; i < options.slow; i++) this.#loops.push(this.#slow());
  }

  /** First moment after `since` that `version` answered, or undefined. */
  firstSeen(version: string, since: number): number | undefined {
    return this.versions.find(([at, v]) => at >= since && v === version)?.[0];
  }

  /** Seconds of paced load: from the start to stop() (the long requests then finish unpaced). */
  seconds(): number {
    return ((this.#stoppedAt ?? performance.now()) - this.started) / 1000;
  }

  rate(): number {
    return this.served / this.seconds();
  }

  async stop(): Promise<void> {
    this.#stoppedAt ??= performance.now();
    this.#running = false;
    await Promise.all(this.#loops);
    this.#agent.destroy();
  }

  /** Paced on a schedule (not a fixed pause) so timer lateness does not lower the rate. */
  async #fast(gap: number): Promise<void> {
    let next = performance.now() + Math.random() * gap;
    while (this.#running) {
      const rest = next - performance.now();
      if (rest > 0) await sleep(rest);
      next = Math.max(next + gap, performance.now() - 1000);
      const reply = await this.#get('/', 5000);
      if (reply.ok) this.#noteVersion(reply.body.replace('hello from', '').trim());
    }
  }

  async #slow(): Promise<void> {
    while (this.#running) {
      if ((await this.#get(`/slow?ms=${this.options.slowMs}`, this.options.slowMs + 10_000)).ok) this.slowServed++;
    }
  }

  #noteVersion(version: string): void {
    if (this.versions.at(-1)?.[1] !== version) this.versions.push([performance.now(), version]);
  }

  #get(path: string, timeoutMs: number): Promise<Reply> {
    return new Promise((resolve) => {
      let settled = false;
      const fail = (what: string): void => {
        if (settled) return;
        settled = true;
        this.failures.push(`${path}: ${what}`);
        resolve({ ok: false, body: '', what });
      };
      const req = request(
        { host: '127.0.0.1', port: this.options.port, path, agent: this.#agent, headers: { host: this.options.host }, timeout: timeoutMs },
        (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
          res.on('error', (err) => fail(`response ${err.message}`));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status < 200 || status > 299) return fail(`HTTP ${status} ${body.trim().slice(0, 80)}`);
            if (settled) return;
            settled = true;
            this.served++;
            resolve({ ok: true, body, what: '' });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('client timeout')));
      req.on('error', (err) => fail(err.message));
      req.end();
    });
  }
}
