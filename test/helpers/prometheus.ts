// A real Prometheus server (Debian package `prometheus`) on loopback with private storage,
// and promtool, for the observability tests. Every process is stopped by its pid.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startServerProcess } from './server-process.js';

export interface PrometheusServer {
  readonly url: string;
  readonly pid: number;
  readonly dir: string;
  /** Instant query; the vector's samples as { labels, value }. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: number }[]>;
  get(path: string): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON API answer, asserted by the tests
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** host:port of the /metrics endpoint to scrape every second. */
  readonly target?: string;
  /** URL of an HTTP service discovery endpoint (http_sd_configs), re-read every second. */
  readonly httpSd?: string;
  /** Rule file contents (YAML), evaluated every second. */
  readonly rules?: string;
}

export async function startPrometheus(o: PrometheusOptions): Promise<PrometheusServer> {
  const proc = await startServerProcess({
    command: 'prometheus',
    name: 'prometheus',
    dirPrefix: 'slipway-prom-',
    async prepare(dir, port) {
      const ruleFiles = o.rules ? [join(dir, 'rules.yml')] : [];
      if (o.rules) await writeFile(join(dir, 'rules.yml'), o.rules);
      const config = [
        'global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }',
        `rule_files: ${JSON.stringify(ruleFiles)}`,
        'scrape_configs:',
        ...(o.target ? [`  - { job_name: slipway, static_configs: [{ targets: ["${o.target}"] }] }`] : []),
        ...(o.httpSd ? [`  - { job_name: apps, http_sd_configs: [{ url: "${o.httpSd}", refresh_interval: 1s }] }`] : []),
      ].join('\n');
      await writeFile(join(dir, 'prometheus.yml'), `${config}\n`);
      return [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'];
    },
  });
  const { url, pid, dir } = proc;
  const server: PrometheusServer = {
    url,
    pid,
    dir,
    async get(path) {
      const res = await fetch(`${url}${path}`);
      const body = (await res.json()) as { status: string; data: unknown; error?: string };
      if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error ?? res.status}`);
      return body.data;
    },
    async query(promql) {
      const data = await server.get(`/api/v1/query?query=${encodeURIComponent(promql)}`);
      return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    stop: () => proc.stop(),
  };
  return server;
}

/** Runs promtool with these arguments (and stdin); resolves with its exit code and output. */
export function promtool(args: readonly string[], stdin?: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile('promtool', [...args], (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
    child.stdin?.end(stdin ?? '');
  });
}
