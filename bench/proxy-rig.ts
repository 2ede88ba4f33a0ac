/**
 * What the proxy benchmarks (proxy-bench.ts, tls-bench.ts) share: the app (a node:http server
 * answering 100 bytes, in the bench process), slipway's proxy and nginx in front of it, wrk and
 * its output, stopping everything by pid (also on Ctrl-C), and the results file.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnProxy } from '../src/proxy/launch.js';
import { ProxyClient } from '../src/proxy/client.js';
import { proxyPaths } from '../src/proxy/paths.js';
import type { TlsEntry } from '../src/proxy/protocol.js';
import { INTERMEDIATE_TLS12_CIPHERS } from '../src/proxy/tls-policy.js';
import { freePort } from '../src/lib/free-port.js';
import { REPO_ROOT } from './bench-project.js';

const BODY = Buffer.alloc(100, 'x');
const execFileAsync = promisify(execFile);

export function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

export interface Rig {
  /** Scratch directory: proxy state, configs, certificates; removed by stopAll. */
  readonly dir: string;
  readonly appPort: number;
  /** Servers started for the run (nginx, caddy): stopped by stopAll. */
  readonly children: ChildProcess[];
  /** Load generators while they run (wrk, the paced client): stopped if interrupted. */
  track(child: ChildProcess): void;
  /** Stops everything (once; later calls wait for the first) and removes the directory. */
  stopAll(): Promise<void>;
  /** Starts slipway's proxy on these listeners, routing every request to the app. */
  startSlipway(listen: { http: number; https?: number }, tls?: TlsEntry[]): Promise<void>;
}

/**
 * Starts the app, and stops everything when the process is interrupted (then exits 130) until
 * `run` settles; then stops everything.
 */
export async function withRig(dirPrefix: string, run: (rig: Rig) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), dirPrefix));
  const children: ChildProcess[] = [];
  const pids: number[] = [];
  const clients = new Set<ChildProcess>();
  const app: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
    res.end(BODY);
  });
  app.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const appPort = (app.address() as AddressInfo).port;
  async function stopEverything(): Promise<void> {
    for (const c of clients) c.kill('SIGTERM');
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    for (const pid of pids) signal(pid, 'SIGTERM');
    app.closeAllConnections();
    app.close();
    await sleep(500);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const pid of pids) signal(pid, 'SIGKILL');
    pids.length = 0;
    await rm(dir, { recursive: true, force: true });
  }
  let stopping: Promise<void> | undefined;
  const stopAll = (): Promise<void> => (stopping ??= stopEverything());
  const onSignal = (): void => void stopAll().finally(() => process.exit(130));
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  const rig: Rig = {
    dir,
    appPort,
    children,
    track(child) {
      clients.add(child);
      child.once('exit', () => clients.delete(child));
    },
    stopAll,
    async startSlipway(listen, tls) {
      const { pid } = await spawnProxy({ stateDir: dir, logFile: join(dir, 'proxy.log') });
      pids.push(pid);
      await new ProxyClient(proxyPaths(dir).socket).putTable({
        version: 1,
        listen: { host: '127.0.0.1', ...listen },
        routes: [{ host: '*', path: '/', service: 'app' }],
        services: { app: { drainMs: 1000, health: { path: '/', intervalMs: 5000, timeoutMs: 1000, rise: 1, fall: 3 }, targets: [{ id: 'app-1', release: 'r1', port: appPort }] } },
        ...(tls ? { tls } : {}),
      });
    },
  };
  try {
    await run(rig);
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    await stopAll();
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
}

/**
 * Starts nginx with `workers` worker processes proxying to the app (keep-alive upstream), on a
 * free port; HTTPS with Mozilla's intermediate settings, no session resumption, when `tls` is given.
 */
export async function startNginx(rig: Rig, workers: number, tls?: { readonly certFile: string; readonly keyFile: string }): Promise<number> {
  const { dir } = rig;
  const port = await freePort();
  const prefix = join(dir, `nginx-${workers}`);
  const conf = join(dir, `nginx-${workers}.conf`);
  const listen = tls
    ? `    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${tls.certFile};
    ssl_certificate_key ${tls.keyFile};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ${INTERMEDIATE_TLS12_CIPHERS.join(':')};
    ssl_prefer_server_ciphers off;
    ssl_ecdh_curve X25519:prime256v1:secp384r1;
    ssl_session_cache off;
    ssl_session_tickets off;
    keepalive_timeout 65s;
    keepalive_requests 1000000;`
    : `    listen 127.0.0.1:${port};`;
  await writeFile(
    conf,
    `worker_processes ${workers};
daemon off;
pid ${prefix}.pid;
error_log ${prefix}.error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  upstream app { server 127.0.0.1:${rig.appPort}; keepalive 128; }
  server {
${listen}
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`,
  );
  rig.children.push(spawn('nginx', ['-p', dir, '-c', conf], { stdio: 'ignore' }));
  return port;
}

/** wrk's figures: requests/s, latency quantiles in ms (NaN when absent), error counts. */
export interface WrkFigures {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  /** "Non-2xx or 3xx responses". */
  readonly non2xx: number;
  /** "Socket errors": connect, read, write, timeout (empty when there were none). */
  readonly socketErrors: readonly number[];
}

/** Runs wrk with these arguments without blocking this process (the app lives here). */
export async function wrk(rig: Rig, args: readonly string[]): Promise<WrkFigures> {
  const run = execFileAsync('wrk', [...args], { encoding: 'utf8' });
  rig.track(run.child);
  const { stdout } = await run;
  return parseWrk(stdout);
}

export function parseWrk(out: string): WrkFigures {
  const lat = (q: string): number => {
    const m = new RegExp(`^\\s+${q}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
    return m ? toMs(m[1] ?? '0', m[2] ?? 'ms') : NaN;
  };
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    p50: lat('50'),
    p99: lat('99'),
    non2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
    socketErrors: (/Socket errors:[^\n]*/.exec(out)?.[0].match(/\d+/g) ?? []).map(Number),
  };
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : n;
}

/** One throughput row per target. */
export interface Row {
  readonly name: string;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

/** The throughput table, with slipway's req/s over each target's. */
export function printRows(rows: readonly Row[]): void {
  const slipway = rows.find((r) => r.name === 'slipway');
  const pad = (s: string, n: number): string => s.padEnd(n);
  const num = (n: number, d = 0): string => (Number.isFinite(n) ? n.toFixed(d) : '-');
  console.log(`${pad('target', 12)}${pad('req/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('errors', 8)}slipway÷this`);
  for (const r of rows) {
    const ratio = slipway && r.rps > 0 ? (slipway.rps / r.rps).toFixed(2) : '-';
    console.log(`${pad(r.name, 12)}${pad(num(r.rps), 10)}${pad(num(r.p50, 2), 9)}${pad(num(r.p99, 2), 9)}${pad(String(r.errors), 8)}${ratio}`);
  }
}

/** Writes bench/results/<name>.json: the date, the machine, then `figures`. */
export async function writeResults(name: string, figures: Record<string, unknown>): Promise<void> {
  await mkdir(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  const file = join(REPO_ROOT, 'bench', 'results', `${name}.json`);
  const machine = { cpus: cpus().length, node: process.version };
  await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), machine, ...figures }, null, 1)}\n`);
  console.log(`results written to ${file}`);
}
