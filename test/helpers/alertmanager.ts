// A real Alertmanager (Debian package `prometheus-alertmanager`) on loopback, clustering off,
// private storage, a config whose only receiver drops everything. Stopped by its pid.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startServerProcess } from './server-process.js';

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
  const server = await startServerProcess({
    command: 'prometheus-alertmanager',
    name: 'alertmanager',
    dirPrefix: 'slipway-am-',
    async prepare(dir, port) {
      await writeFile(join(dir, 'alertmanager.yml'), CONFIG);
      return [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ];
    },
  });
  const { url, pid } = server;
  return {
    url,
    pid,
    async alerts() {
      const res = await fetch(`${url}/api/v2/alerts`);
      if (!res.ok) throw new Error(`alertmanager /api/v2/alerts: HTTP ${res.status}`);
      return (await res.json()) as AmAlert[];
    },
    stop: () => server.stop(),
  };
}
