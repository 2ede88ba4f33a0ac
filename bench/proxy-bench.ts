/**
 * Proxy throughput and latency against references measured in the same run, all on 127.0.0.1:
 * direct to the app, slipway's proxy (one process), nginx (1 and 2 workers), Caddy.
 * The app is a node:http server answering 100 bytes. Load: wrk, keep-alive, 64 connections.
 * On a small machine the load generator, the proxy and the app share the cores: read the
 * ratios, not the absolute numbers.
 * Then latency at a fixed rate (bench/paced-latency.ts: open loop, 1,000 req/s, 10 s per target
 * in 1 s slices interleaved between targets, after a 3 s warm-up each, 32 keep-alive connections)
 * against direct, slipway and nginx with 1 worker.
 * Targets: slipway ≥ 1.2× Caddy and ≥ 0.6× the better nginx (req/s); p99(slipway) − p99(direct)
 * ≤ 1 ms at 1,000 req/s. Raw figures: bench/results/proxy.json.
 *
 *   node --import tsx bench/proxy-bench.ts [--duration 10] [--connections 64] [--threads 1]
 *     [--rate 1000] [--paced-duration 10]
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnProxy } from '../src/proxy/launch.js';
import { ProxyClient } from '../src/proxy/client.js';
import { proxyPaths } from '../src/proxy/paths.js';
import { pacedLatency, type PacedResult } from './paced-latency.js';
import { REPO_ROOT } from './bench-project.js';

interface Result {
  readonly name: string;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    threads: { type: 'string', default: '1' },
    rate: { type: 'string', default: '1000' },
    'paced-duration': { type: 'string', default: '10' },
  },
});

const BODY = Buffer.alloc(100, 'x');
const execFileAsync = promisify(execFile);
const ADDED_P99_TARGET_MS = 1;
const PACED_TARGETS = ['direct', 'slipway', 'nginx-1w'];
/** Load generators (wrk, the paced client) while they run: stopped by pid if interrupted. */
const clients = new Set<ChildProcess>();
function track(child: ChildProcess): void {
  clients.add(child);
  child.once('exit', () => clients.delete(child));
}

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

async function waitForPort(port: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing answers on port ${port}`);
    await sleep(50);
  }
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : n;
}

/** Runs wrk without blocking this process (the app lives here). */
async function wrk(name: string, port: number, durationS: string): Promise<Result> {
  const args = ['-t', values.threads ?? '1', '-c', values.connections ?? '64', '-d', `${durationS}s`, '--latency', `http://127.0.0.1:${port}/`];
  const run = execFileAsync('wrk', args, { encoding: 'utf8' });
  track(run.child);
  const { stdout: out } = await run;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const lat = (q: string): number => {
    const m = new RegExp(`^\\s+${q}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
    return m ? toMs(m[1] ?? '0', m[2] ?? 'ms') : NaN;
  };
  const errors = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0) + Number(/Socket errors:.*?(\d+)/.exec(out)?.[1] ?? 0);
  return { name, rps, p50: lat('50'), p99: lat('99'), errors };
}

async function main(): Promise<void> {
  if (!have('wrk')) throw new Error('wrk is missing: run bench/proxy.sh (it installs wrk, nginx and caddy)');
  const dir = await mkdtemp(join(tmpdir(), 'slipway-bench-'));
  const children: ChildProcess[] = [];
  const pids: number[] = [];
  const app = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
    res.end(BODY);
  });
  app.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const appPort = (app.address() as AddressInfo).port;
  // The app runs in this process, which otherwise only waits for wrk.
  const targets: Array<{ name: string; port: number }> = [{ name: 'direct', port: appPort }];
  // Interrupted (Ctrl-C, kill): stop what was started, by pid, then exit.
  const onSignal = (): void => {
    for (const c of clients) c.kill('SIGTERM');
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  let stopping: Promise<void> | undefined;
  const stopAll = (): Promise<void> => (stopping ??= stopEverything());
  async function stopEverything(): Promise<void> {
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
  try {
    const slipwayPort = await freePort();
    const { pid } = await spawnProxy({ stateDir: dir, logFile: join(dir, 'proxy.log') });
    pids.push(pid);
    await new ProxyClient(proxyPaths(dir).socket).putTable({
      version: 1,
      listen: { host: '127.0.0.1', http: slipwayPort },
      routes: [{ host: '*', path: '/', service: 'app' }],
      services: {
        app: {
          drainMs: 1000,
          health: { path: '/', intervalMs: 5000, timeoutMs: 1000, rise: 1, fall: 3 },
          targets: [{ id: 'app-1', release: 'r1', port: appPort }],
        },
      },
    });
    targets.push({ name: 'slipway', port: slipwayPort });

    if (have('nginx')) {
      for (const workers of [1, 2]) {
        const port = await freePort();
        const prefix = join(dir, `nginx-${workers}`);
        const conf = join(dir, `nginx-${workers}.conf`);
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
  upstream app { server 127.0.0.1:${appPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${port};
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
        const child = spawn('nginx', ['-p', dir, '-c', conf], { stdio: 'ignore' });
        children.push(child);
        targets.push({ name: `nginx-${workers}w`, port });
      }
    }
    if (have('caddy')) {
      const port = await freePort();
      const file = join(dir, 'Caddyfile');
      await writeFile(file, `{\n\tadmin off\n\tauto_https off\n}\nhttp://127.0.0.1:${port} {\n\treverse_proxy 127.0.0.1:${appPort}\n}\n`);
      const child = spawn('caddy', ['run', '--config', file, '--adapter', 'caddyfile'], {
        stdio: 'ignore',
        env: { ...process.env, XDG_DATA_HOME: join(dir, 'caddy-data'), XDG_CONFIG_HOME: join(dir, 'caddy-config'), HOME: dir },
      });
      children.push(child);
      targets.push({ name: 'caddy', port });
    }
    for (const t of targets) await waitForPort(t.port);

    const results: Result[] = [];
    for (const t of targets) {
      await wrk(t.name, t.port, '2'); // warm-up: JIT, connection pools
      results.push(await wrk(t.name, t.port, values.duration ?? '10'));
    }
    report(results);

    const options = { rate: Number(values.rate), durationS: Number(values['paced-duration']), rounds: 10, warmupS: 3, connections: 32 };
    const pacedTargets = targets.filter((x) => PACED_TARGETS.includes(x.name));
    const measured = await pacedLatency(pacedTargets.map((t) => t.port), options, track);
    const paced = measured.map((r, i) => ({ name: pacedTargets[i]?.name ?? '?', ...r }));
    reportPaced(paced);
    await mkdir(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
    const file = join(REPO_ROOT, 'bench', 'results', 'proxy.json');
    const machine = { cpus: cpus().length, node: process.version };
    await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), machine, wrk: { ...values }, throughput: results, paced }, null, 1)}\n`);
    console.log(`results written to ${file}`);
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

function report(results: Result[]): void {
  const by = (name: string) => results.find((r) => r.name === name);
  const slipway = by('slipway');
  const pad = (s: string, n: number) => s.padEnd(n);
  const num = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');
  console.log(`wrk -t${values.threads} -c${values.connections} -d${values.duration}s, 100-byte responses, 127.0.0.1`);
  console.log(`${pad('target', 12)}${pad('req/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('errors', 8)}slipway÷this`);
  for (const r of results) {
    const ratio = slipway && r.rps > 0 ? (slipway.rps / r.rps).toFixed(2) : '-';
    console.log(`${pad(r.name, 12)}${pad(num(r.rps), 10)}${pad(num(r.p50, 2), 9)}${pad(num(r.p99, 2), 9)}${pad(String(r.errors), 8)}${ratio}`);
  }
  const caddy = by('caddy');
  const nginx = Math.max(by('nginx-1w')?.rps ?? 0, by('nginx-2w')?.rps ?? 0);
  if (slipway && caddy) console.log(`slipway ÷ caddy = ${(slipway.rps / caddy.rps).toFixed(2)} (target ≥ 1.2, one proxy process)`);
  if (slipway && nginx > 0) console.log(`slipway ÷ best nginx = ${(slipway.rps / nginx).toFixed(2)} (target ≥ 0.6)`);
}

function reportPaced(results: ReadonlyArray<PacedResult & { name: string }>): void {
  const first = results[0];
  if (!first) return;
  const pad = (s: string, n: number) => s.padEnd(n);
  const ms = (n: number) => n.toFixed(2);
  console.log(`\nopen loop, ${first.rate} req/s, ${first.durationS} s per target in ${first.rounds} interleaved slices (after ${first.warmupS} s warm-up),`);
  console.log(`${first.connections} keep-alive connections; latency from the scheduled send time`);
  console.log(`${pad('target', 12)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('p99.9 ms', 10)}${pad('max ms', 9)}${pad('errors', 8)}client send lag p99 ms`);
  for (const r of results) {
    console.log(`${pad(r.name, 12)}${pad(ms(r.p50), 9)}${pad(ms(r.p99), 9)}${pad(ms(r.p999), 10)}${pad(ms(r.max), 9)}${pad(String(r.errors), 8)}${ms(r.sendLagP99)}`);
  }
  const direct = results.find((r) => r.name === 'direct');
  for (const name of ['slipway', 'nginx-1w']) {
    const r = results.find((x) => x.name === name);
    if (!direct || !r) continue;
    const added = r.p99 - direct.p99;
    const verdict = name === 'slipway' ? ` (target ≤ ${ADDED_P99_TARGET_MS} ms: ${added <= ADDED_P99_TARGET_MS ? 'met' : 'missed'})` : ' (reference)';
    console.log(`p99 added latency = p99(${name}) − p99(direct) = ${ms(r.p99)} − ${ms(direct.p99)} = ${ms(added)} ms${verdict}`);
  }
}

await main();
