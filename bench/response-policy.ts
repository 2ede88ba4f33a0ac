/**
 * Cost of the proxy's response policy on its hot path: throughput with the strict header preset,
 * compression on and a rate-limit zone on every request, against the bare proxy (no headers, no
 * compression, no zone), same app, same run, interleaved rounds of wrk (keep-alive, 64
 * connections). A third proxy adds the access log to the policy. Each variant is its own proxy
 * process run from the sources (tsx), so the three load the same code. Target: policy ≥ 0.9 × bare.
 *
 * Besides req/s (which a loaded machine makes noisy), each proxy's CPU time per request is read
 * from /proc/<pid>/stat around every wrk run: on a saturated single-threaded proxy, throughput
 * is the inverse of that, and it is far less sensitive to what else the machine runs.
 *
 *   node --import tsx bench/response-policy.ts [--seconds 5] [--rounds 6]
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProxyClient } from '../src/proxy/client.js';
import { proxyPaths } from '../src/proxy/paths.js';
import type { RoutingTableInput } from '../src/proxy/protocol.js';
import { REPO_ROOT } from './bench-project.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '6' }, breakdown: { type: 'boolean', default: false } } });
const run = promisify(execFile);
const children: ChildProcess[] = [];
const dirs: string[] = [];

/** The app: 100 bytes of HTML (under the compression minimum: the decision is made, nothing is encoded). */
async function startApp(): Promise<number> {
  const code = `require('http').createServer((q,s)=>{s.writeHead(200,{'content-type':'text/html; charset=utf-8','content-length':100});s.end(Buffer.alloc(100,'x'))}).listen(0,'127.0.0.1',function(){console.log(this.address().port)})`;
  const app = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(app);
  return new Promise((resolve) => app.stdout?.once('data', (d) => resolve(Number(String(d).trim()))));
}

/** --breakdown adds one proxy per part: strict headers only, compression only, the zone only. */
type Variant = 'bare' | 'policy' | 'policy+log' | 'headers' | 'compress' | 'zone';

function tableFor(variant: Variant, appPort: number): RoutingTableInput {
  const health = { path: '/', intervalMs: 3_600_000, timeoutMs: 1000, rise: 1, fall: 1 };
  const policy = variant === 'policy' || variant === 'policy+log';
  const zone = policy || variant === 'zone';
  return {
    version: 1,
    listen: { host: '127.0.0.1', http: 0 },
    accessLog: variant === 'policy+log',
    // A zone far above the offered load: every request pays the bucket lookup, none is refused.
    ...(zone ? { rateLimits: { general: { perSecond: 1e9, burst: 1_000_000_000 } } } : {}),
    routes: [{ host: '*', path: '/', service: 'web', ...(zone ? { rateLimit: 'general' } : {}) }],
    services: {
      web: {
        health,
        drainMs: 1000,
        targets: [{ id: 'a', release: 'r1', port: appPort }],
        ...(policy || variant === 'headers' ? { headers: { preset: 'strict' as const } } : {}),
        ...(policy || variant === 'compress' ? { compress: true } : {}),
      },
    },
  };
}

interface Proxy {
  readonly port: number;
  readonly pid: number;
}

async function startProxy(variant: Variant, appPort: number): Promise<Proxy> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-policy-px-'));
  dirs.push(dir);
  const main = join(REPO_ROOT, 'src', 'proxy', 'main.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', main, '--state-dir', dir], { stdio: 'ignore', cwd: REPO_ROOT });
  children.push(child);
  const client = new ProxyClient(proxyPaths(dir).socket);
  for (let i = 0; i < 200 && !(await client.status().then(() => true, () => false)); i++) await sleep(100);
  const port = (await client.putTable(tableFor(variant, appPort))).httpPort;
  return { port, pid: child.pid ?? 0 };
}

/** CPU time (user + system) of a process so far, in µs. */
async function cpuUs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  return (ticks * 1_000_000) / 100; // USER_HZ is 100 on Linux
}

interface Round {
  readonly rps: number;
  readonly cpuUsPerRequest: number;
}

async function measure(proxy: Proxy, seconds: string): Promise<Round> {
  const before = await cpuUs(proxy.pid);
  const { rps, requests } = await wrk(proxy.port, seconds);
  const used = (await cpuUs(proxy.pid)) - before;
  return { rps, cpuUsPerRequest: used / Math.max(1, requests) };
}

async function wrk(port: number, seconds: string): Promise<{ rps: number; requests: number }> {
  const { stdout } = await run('wrk', ['-t1', '-c64', `-d${seconds}s`, '-H', 'Accept-Encoding: gzip, br', `http://127.0.0.1:${port}/`]);
  if (/Non-2xx or 3xx responses/.test(stdout)) throw new Error(`refused or failed requests during the run:\n${stdout}`);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0),
    requests: Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0),
  };
}

const median = (a: readonly number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? 0;

try {
  const appPort = await startApp();
  const variants: Variant[] = ['bare', 'policy', 'policy+log', ...(values.breakdown ? (['headers', 'compress', 'zone'] as const) : [])];
  const proxies = Object.fromEntries(await Promise.all(variants.map(async (v) => [v, await startProxy(v, appPort)] as const))) as Record<Variant, Proxy>;
  for (const v of variants) await wrk(proxies[v].port, '2'); // warm-up
  const results = Object.fromEntries(variants.map((v) => [v, [] as Round[]])) as Record<Variant, Round[]>;
  for (let round = 0; round < Number(values.rounds); round++) {
    const order = [...variants.slice(round % variants.length), ...variants.slice(0, round % variants.length)];
    for (const v of order) results[v].push(await measure(proxies[v], values.seconds));
  }
  const rpsOf = (v: Variant): number => median(results[v].map((r) => r.rps));
  const cpuOf = (v: Variant): number => median(results[v].map((r) => r.cpuUsPerRequest));
  console.log(
    JSON.stringify({
      rps: Object.fromEntries(variants.map((v) => [v, results[v].map((r) => Math.round(r.rps))])),
      cpuUsPerRequest: Object.fromEntries(variants.map((v) => [v, Number(cpuOf(v).toFixed(1))])),
      ratio: Number((rpsOf('policy') / rpsOf('bare')).toFixed(3)),
      ratioWithLog: Number((rpsOf('policy+log') / rpsOf('bare')).toFixed(3)),
      cpuRatio: Number((cpuOf('bare') / cpuOf('policy')).toFixed(3)),
      cpuRatioWithLog: Number((cpuOf('bare') / cpuOf('policy+log')).toFixed(3)),
      target: 0.9,
    }),
  );
} finally {
  for (const child of children) if (child.pid && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
}
