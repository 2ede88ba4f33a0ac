import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Load on several virtual hosts of one proxy port, checking every answer's body: a host must
 * only ever answer with its own marker (`expect(host)`), so a cross-routed request is caught
 * even when it succeeds.
 */
export class HostLoad {
  ok = 0;
  readonly failures: string[] = [];
  readonly crossTalk: string[] = [];
  readonly byHost = new Map<string, number>();
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 32 });
  readonly #loops: Promise<void>[] = [];
  #running = true;

  constructor(
    readonly port: number,
    readonly hosts: readonly string[],
    readonly expect: (host: string, body: string) => boolean,
    rps: number,
  ) {
    const loopsPerHost = 2;
    const gap = (1000 * loopsPerHost * hosts.length) / rps;
    for (const host of hosts) for (let i = 0; i < loopsPerHost; i++) this.#loops.push(this.#loop(host, gap));
  }

  get total(): number {
    return this.ok + this.failures.length + this.crossTalk.length;
  }

  async #loop(host: string, gap: number): Promise<void> {
    await sleep(Math.random() * gap);
    while (this.#running) {
      const began = Date.now();
      await this.#one(host);
      const rest = gap - (Date.now() - began);
      if (rest > 0) await sleep(rest);
    }
  }

  #one(host: string): Promise<void> {
    return new Promise((done) => {
      const req = request({ host: '127.0.0.1', port: this.port, path: '/', agent: this.#agent, headers: { host }, timeout: 10_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) this.failures.push(`${host}: HTTP ${status} ${body.slice(0, 80)}`);
          else if (!this.expect(host, body)) this.crossTalk.push(`${host}: ${body.slice(0, 80)}`);
          else {
            this.ok++;
            this.byHost.set(host, (this.byHost.get(host) ?? 0) + 1);
          }
          done();
        });
        res.on('error', (err) => {
          this.failures.push(`${host}: ${err.message}`);
          done();
        });
      });
      req.on('timeout', () => req.destroy(new Error('client timeout')));
      req.on('error', (err) => {
        this.failures.push(`${host}: ${err.message}`);
        done();
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
