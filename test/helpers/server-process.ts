// A server program (Prometheus, Alertmanager) run on a free loopback port with a private temp
// directory, ready once GET /-/ready answers 2xx. Stopped by its pid: SIGTERM, SIGKILL after 5 s.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/lib/free-port.js';

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  readonly dir: string;
  /** Stops the process and removes its directory. */
  stop(): Promise<void>;
}

export interface ServerProcessOptions {
  /** The program. */
  readonly command: string;
  /** The name its errors are reported under. */
  readonly name: string;
  /** Prefix of the temp directory's name. */
  readonly dirPrefix: string;
  /** Writes the config files into `dir`; returns the arguments, listening on 127.0.0.1:`port`. */
  prepare(dir: string, port: number): Promise<readonly string[]>;
}

export async function startServerProcess(o: ServerProcessOptions): Promise<ServerProcess> {
  const dir = await mkdtemp(join(tmpdir(), o.dirPrefix));
  const port = await freePort();
  const args = await o.prepare(dir, port);
  const child: ChildProcess = spawn(o.command, [...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.once('error', (err) => void (log += `${err.message}\n`));
  child.stderr?.on('data', (c: Buffer) => void (log = (log + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid ?? 0;
  const url = `http://127.0.0.1:${port}`;
  const server: ServerProcess = {
    url,
    pid,
    dir,
    async stop() {
      if (pid > 0 && child.exitCode === null && child.signalCode === null) {
        process.kill(pid, 'SIGTERM');
        const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
        if (!done) process.kill(pid, 'SIGKILL');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null || pid === 0) throw new Error(`${o.name} exited (${child.exitCode}): ${log}`);
      const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
      if (ready) return server;
      if (Date.now() > deadline) throw new Error(`${o.name} not ready within 20 s: ${log}`);
      await sleep(100);
    }
  } catch (err) {
    await server.stop();
    throw err;
  }
}
