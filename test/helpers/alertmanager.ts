// A real Alertmanager (Debian package `prometheus-alertmanager`) on loopback, clustering off,
// private storage, a config whose only receiver drops everything. Stopped by its pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/lib/free-port.js';

export interface AmAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly status: { readonly state: string };
}

export interface AlertmanagerServer {
  readonly url: string;
  readonly pid: number;
  /** GET /api/v2/alerts: the alerts Alertmanager holds as not yet ended. */
  alerts(): Promise<AmAlert[]>;
  stop(): Promise<void>;
}

const CONFIG = `route: { receiver: blackhole, group_wait: 0s, group_interval: 1s, repeat_interval: 1h }
receivers: [ { name: blackhole } ]
`;

export async function startAlertmanager(): Promise<AlertmanagerServer> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-am-'));
  const port = await freePort();
  await writeFile(join(dir, 'alertmanager.yml'), CONFIG);
  const child: ChildProcess = spawn(
    'prometheus-alertmanager',
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.once('error', (err) => void (log += `${err.message}\n`));
  child.stderr?.on('data', (c: Buffer) => void (log = (log + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid ?? 0;
  const url = `http://127.0.0.1:${port}`;
  const server: AlertmanagerServer = {
    url,
    pid,
    async alerts() {
      const res = await fetch(`${url}/api/v2/alerts`);
      if (!res.ok) throw new Error(`alertmanager /api/v2/alerts: HTTP ${res.status}`);
      return (await res.json()) as AmAlert[];
    },
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
      if (child.exitCode !== null || pid === 0) throw new Error(`alertmanager exited (${child.exitCode}): ${log}`);
      const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
      if (ready) return server;
      if (Date.now() > deadline) throw new Error(`alertmanager not ready within 20 s: ${log}`);
      await sleep(100);
    }
  } catch (err) {
    await server.stop();
    throw err;
  }
}
