// python3 -m http.server: a file server nobody here wrote, on a free loopback port, serving
// `dir`. Stopped by its pid (SIGTERM, then SIGKILL after 3 s).
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/lib/free-port.js';

export interface PythonFileServer {
  readonly port: number;
  readonly pid: number;
  /** Request lines it logged so far (one per request it received). */
  requests(): string[];
  stop(): Promise<void>;
}

/** `protocol: 'HTTP/1.1'` keeps connections open (python's default, HTTP/1.0, closes each one). */
export async function startPythonFileServer(dir: string, options: { protocol?: 'HTTP/1.0' | 'HTTP/1.1' } = {}): Promise<PythonFileServer> {
  const port = await freePort();
  const protocol = options.protocol ? ['--protocol', options.protocol] : [];
  const child = spawn('python3', ['-m', 'http.server', '--bind', '127.0.0.1', ...protocol, '--directory', dir, String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (c: Buffer) => void (log += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid ?? 0;
  const stop = async (): Promise<void> => {
    if (pid > 0 && child.exitCode === null && child.signalCode === null) {
      process.kill(pid, 'SIGTERM');
      if (!(await Promise.race([exited.then(() => true), sleep(3000).then(() => false)]))) process.kill(pid, 'SIGKILL');
      await exited;
    }
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`python3 -m http.server exited: ${log}`);
    if (await fetch(`http://127.0.0.1:${port}/`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`python3 -m http.server not ready within 10 s: ${log}`);
    }
    await sleep(50);
  }
  return { port, pid, stop, requests: () => [...log.matchAll(/"([A-Z]+ [^"]*) HTTP\/1\.[01]"/g)].map((m) => m[1] ?? '') };
}
