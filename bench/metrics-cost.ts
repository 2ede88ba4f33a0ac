/**
 * Cost of the proxy's per-status-class counting on its hot path: throughput of the built proxy
 * (dist/, counting on) against the same build with that one increment removed (counting off,
 * a copy in a temp dir), same app, same run, interleaved rounds of wrk (keep-alive, 64
 * connections). Target: on ≥ 0.95 × off. Run after `npm run build`:
 *
 *   node --import tsx bench/metrics-cost.ts [--seconds 5] [--rounds 8]
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProxyClient } from '../src/proxy/client.js';
import { proxyPaths } from '../src/proxy/paths.js';
import { REPO_ROOT } from './bench-project.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '8' } } });
const run = promisify(execFile);
const children: ChildProcess[] = [];
const dirs: string[] = [];
const COUNTING = /\n\s*if \(outcome\.status !== undefined && stats\.statusClasses\)\n\s*stats\.statusClasses\[statusClassOf\(outcome\.status\)\]\+\+;/;

/** dist/ copied with the status-class increment taken out of recordAttempt. */
async function buildWithoutCounting(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'slipway-metrics-off-'));
  dirs.push(root);
  await cp(join(REPO_ROOT, 'dist'), join(root, 'dist'), { recursive: true });
  await symlink(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  await cp(join(REPO_ROOT, 'package.json'), join(root, 'package.json'));
  const file = join(root, 'dist', 'src', 'proxy', 'stats.js');
  const text = await readFile(file, 'utf8');
  if (!COUNTING.test(text)) throw new Error(`${file}: the status-class increment was not found (run npm run build)`);
  await writeFile(file, text.replace(COUNTING, ''));
  return root;
}

async function startApp(): Promise<number> {
  const code = `require('http').createServer((q,s)=>{s.writeHead(200,{'content-length':100});s.end(Buffer.alloc(100,'x'))}).listen(0,'127.0.0.1',function(){console.log(this.address().port)})`;
  const app = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(app);
  return new Promise((resolve) => app.stdout?.once('data', (d) => resolve(Number(String(d).trim()))));
}

async function startProxy(root: string, appPort: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-metrics-px-'));
  dirs.push(dir);
  children.push(spawn(process.execPath, [join(root, 'dist', 'src', 'proxy', 'main.js'), '--state-dir', dir], { stdio: 'ignore' }));
  const client = new ProxyClient(proxyPaths(dir).socket);
  for (let i = 0; i < 100 && !(await client.status().then(() => true, () => false)); i++) await sleep(100);
  const health = { path: '/', intervalMs: 3_600_000, timeoutMs: 1000, rise: 1, fall: 1 };
  const table = { version: 1, listen: { host: '127.0.0.1', http: 0 }, routes: [{ host: '*', path: '/', service: 'web' }], services: { web: { health, drainMs: 1000, targets: [{ id: 'a', release: 'r1', port: appPort }] } } };
  return (await client.putTable(table)).httpPort;
}

async function rps(port: number, seconds: string): Promise<number> {
  const { stdout } = await run('wrk', ['-t1', '-c64', `-d${seconds}s`, `http://127.0.0.1:${port}/`]);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0);
}

const median = (a: readonly number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? 0;

try {
  const appPort = await startApp();
  const ports = { on: await startProxy(REPO_ROOT, appPort), off: await startProxy(await buildWithoutCounting(), appPort) };
  for (const port of Object.values(ports)) await rps(port, '2'); // warm-up
  const results: { on: number[]; off: number[] } = { on: [], off: [] };
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const name of round % 2 ? (['off', 'on'] as const) : (['on', 'off'] as const)) results[name].push(await rps(ports[name], values.seconds));
  }
  const ratio = median(results.on) / median(results.off);
  console.log(JSON.stringify({ on: results.on.map(Math.round), off: results.off.map(Math.round), ratio: Number(ratio.toFixed(3)), target: 0.95 }));
} finally {
  for (const child of children) if (child.pid && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
}
