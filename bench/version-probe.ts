// Polls the proxy (GET / every few ms over one keep-alive connection) and notes when each
// version of examples/hello first answers: the switch as a client sees it.
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export class VersionProbe {
  readonly #seen: Array<[number, string]> = [];
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 1 });
  readonly #loop: Promise<void>;
  #running = true;
  errors = 0;

  constructor(
    readonly port: number,
    readonly host: string,
    readonly everyMs = 5,
  ) {
    this.#loop = this.#run();
  }

  /** performance.now() of the first answer from `version` at or after `since`. */
  firstSeen(version: string, since: number): number | undefined {
    return this.#seen.find(([at, v]) => at >= since && v === version)?.[0];
  }

  async waitFor(version: string, since: number, timeoutMs = 10_000): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const at = this.firstSeen(version, since);
      if (at !== undefined) return at;
      if (performance.now() > deadline) throw new Error(`the proxy never answered with ${version}`);
      await sleep(10);
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    this.#agent.destroy();
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const version = await this.#get();
      const at = performance.now();
      if (version === undefined) this.errors++;
      else if (this.#seen.at(-1)?.[1] !== version) this.#seen.push([at, version]);
      await sleep(this.everyMs);
    }
  }

  #get(): Promise<string | undefined> {
    return new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port: this.port, path: '/', agent: this.#agent, headers: { host: this.host }, timeout: 2000 }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(res.statusCode === 200 ? body.replace('hello from', '').trim() : undefined));
        res.on('error', () => resolve(undefined));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve(undefined));
      req.end();
    });
  }
}
