// Daemon + proxy memory with 3 projects × 4 idle services deployed on one host (node dist/bench/memory.js).
// Target: daemon + proxy RSS ≤ 120 MB together. Reference: two bare idle `node` processes.
// Idle means: slipway's default health checks (every 1 s; `--probe-every 200ms` for the busier
// variant), sampled once the daemon's config checker has left and the processes have been idle
// IDLE_MS more (V8 gives memory back only after a few quiet seconds). The checker's own RSS while
// it ran (right after the deploys) is printed beside, not counted in the idle figure.
// --compare-flags: first the same measurement with the daemon and the proxy started without V8
// flags, then with slipway's (src/lib/entry-points.ts), memory and CPU side by side.
// Guard: prints a FAIL line and exits non-zero when the daemon or the proxy is more than
// 5 MB above the baseline kept in bench/results/memory-baseline.json (`--record-baseline` rewrites it;
// the check itself is bench/memory-guard.ts).
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT, withProject, type BenchProject } from './bench-project.js';
import { childPids, cmdlineOf, cpuMs, rssMb } from './rss.js';
import { round, summarize } from './stats.js';
import { NODE_FLAGS } from '../src/lib/entry-points.js';
import { checkMemory, parseBaseline } from './memory-guard.js';

const PROJECTS = 3;
const PER_PROJECT = 4;
const SERVICES = PROJECTS * PER_PROJECT;
const BASELINE_FILE = join(REPO_ROOT, 'bench', 'results', 'memory-baseline.json');
const TARGET_MB = 120;
const SAMPLES = 5;
/** Quiet time after the config checker has gone, before sampling. */
const IDLE_MS = 15_000;
/** `--probe-every 200ms`: health checks at that interval instead of slipway's default (1 s). */
const PROBE_EVERY = ((i) => (i > 0 ? process.argv[i + 1] : undefined))(process.argv.indexOf('--probe-every'));
const apps = Array.from({ length: SERVICES }, (_, i) => `app${i}`);

/** Project k's config (in <dir>/project-k/): services svc<i> of its four apps, all on one proxy. */
const config = (port: number, k: number): string =>
  `version: 1\nproject: project-${k}\nproxy: { http: ${port}, host: 127.0.0.1 }\nservices:\n` +
  apps
    .slice(k * PER_PROJECT, (k + 1) * PER_PROJECT)
    .map((app, j) => [app, k * PER_PROJECT + j] as const)
    .map(([app, i]) =>
      [
        `  svc${i}:`,
        `    source: ../${app}`,
        '    run: node server.js',
        `    routes: [{ host: s${i}.localhost }]`,
        `    health: { path: /health, ${PROBE_EVERY ? `interval: ${PROBE_EVERY}, ` : ''}timeout: 1s, rise: 2, fall: 2, startTimeout: 20s }`,
        '    instances: 1',
        '    watch: 1s',
        '    stopTimeout: 3s',
      ].join('\n'),
    )
    .join('\n') +
  '\n';

/** Median RSS over a few samples 500 ms apart. */
async function sampleMb(pid: number): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    values.push(await rssMb(pid));
    await sleep(500);
  }
  return summarize(values).median;
}

/** The daemon's config checker (src/daemon/config-checker.ts), while it runs. */
async function checkerOf(daemonPid: number): Promise<number | undefined> {
  for (const pid of await childPids(daemonPid)) if ((await cmdlineOf(pid)).includes('checker-main')) return pid;
  return undefined;
}

/** RSS of a bare idle node process, measured in this run; killed by pid (and found by destroy() if not). */
async function referenceMb(p: BenchProject): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(()=>{},1e9)'], { stdio: 'ignore', env: p.env });
  try {
    await sleep(1000);
    return await sampleMb(child.pid ?? -1);
  } finally {
    child.kill('SIGKILL');
  }
}

interface Measured {
  emptyDaemon: number;
  emptyProxy: number;
  daemon: number;
  proxy: number;
  instances: number;
  /** RSS of the daemon's config checker right after the deploys (0 if it had already left), and seconds until it left. */
  checker: number;
  checkerLeftS: number;
  reference: number;
  reference2: number;
  /** Wall clock of the three `slipway deploy` commands, and the daemon's and proxy's CPU time during them. */
  deployMs: number;
  deployDaemonCpuMs: number;
  deployProxyCpuMs: number;
  /** CPU time per second of the idle daemon and proxy while they are sampled. */
  idleDaemonCpuMsPerS: number;
  idleProxyCpuMsPerS: number;
}

async function measure(p: BenchProject, m: Measured): Promise<void> {
  const files: string[] = [];
  for (let k = 0; k < PROJECTS; k++) {
    const file = join(p.dir, `project-${k}`, 'slipway.yaml');
    await mkdir(join(p.dir, `project-${k}`), { recursive: true });
    await writeFile(file, config(p.port, k));
    files.push(file);
  }
  const [first] = files as [string, ...string[]];
  await p.cliOn(first, ['daemon', '--detach']);
  let status = (await p.cliOn(first, ['status'])).json;
  m.emptyDaemon = await rssMb(status.daemon.pid);
  m.emptyProxy = await rssMb(status.proxy.pid);
  const cpu = (): Promise<number[]> => Promise.all([cpuMs(status.daemon.pid), cpuMs(status.proxy.pid)]);
  const cpuBefore = await cpu();
  const started = performance.now();
  for (const file of files) {
    const deploy = await p.cliOn(file, ['deploy']);
    if (!deploy.json.ok || deploy.json.results.length !== PER_PROJECT) throw new Error(`deploy failed: ${deploy.stdout}`);
  }
  m.deployMs = performance.now() - started;
  const cpuAfter = await cpu();
  m.deployDaemonCpuMs = (cpuAfter[0] ?? 0) - (cpuBefore[0] ?? 0);
  m.deployProxyCpuMs = (cpuAfter[1] ?? 0) - (cpuBefore[1] ?? 0);
  status = (await p.cliOn(first, ['status'])).json;
  const checker = await checkerOf(status.daemon.pid);
  m.checker = checker === undefined ? 0 : await rssMb(checker).catch(() => 0);
  const quietFrom = performance.now();
  while (checker !== undefined && (await cmdlineOf(checker)) !== '' && performance.now() - quietFrom < 60_000) await sleep(250);
  m.checkerLeftS = (performance.now() - quietFrom) / 1000;
  await sleep(IDLE_MS);
  const idleFrom = [performance.now(), ...(await cpu())];
  [m.daemon, m.proxy] = await Promise.all([sampleMb(status.daemon.pid), sampleMb(status.proxy.pid)]);
  const idleTo = [performance.now(), ...(await cpu())];
  const seconds = ((idleTo[0] ?? 0) - (idleFrom[0] ?? 0)) / 1000;
  m.idleDaemonCpuMsPerS = ((idleTo[1] ?? 0) - (idleFrom[1] ?? 0)) / seconds;
  m.idleProxyCpuMsPerS = ((idleTo[2] ?? 0) - (idleFrom[2] ?? 0)) / seconds;
  const statuses = await Promise.all(files.map(async (file) => (await p.cliOn(file, ['status'])).json));
  const instancePids: number[] = statuses.flatMap((s) => s.services.flatMap((svc: { instances: Array<{ pid?: number }> }) => svc.instances.map((i) => i.pid ?? -1)));
  m.instances = (await Promise.all(instancePids.map((pid) => rssMb(pid)))).reduce((a, b) => a + b, 0);
  [m.reference, m.reference2] = await Promise.all([referenceMb(p), referenceMb(p)]);
}

/** Compares with the recorded baseline (bench/memory-guard.ts); returns the FAIL lines (empty when both processes are within the limit). */
async function checkBaseline(m: Measured): Promise<readonly string[]> {
  if (process.argv.includes('--record-baseline')) {
    const baseline = { daemonMb: round(m.daemon, 1), proxyMb: round(m.proxy, 1) };
    await writeFile(BASELINE_FILE, `${JSON.stringify({ date: new Date().toISOString(), services: SERVICES, node: process.version, ...baseline }, null, 1)}\n`);
    console.log(`  baseline recorded in ${BASELINE_FILE}`);
    return [];
  }
  const baseline = parseBaseline(await readFile(BASELINE_FILE, 'utf8').catch(() => undefined), BASELINE_FILE);
  if (typeof baseline === 'string') return [baseline];
  const { lines, fails } = checkMemory({ daemonMb: m.daemon, proxyMb: m.proxy }, baseline);
  for (const line of lines) console.log(line);
  return fails;
}

const FLAG_VARIABLES = ['SLIPWAY_DAEMON_NODE_FLAGS', 'SLIPWAY_PROXY_NODE_FLAGS'] as const;

/** One whole measurement; `noFlags`: the daemon and the proxy start without V8 flags (src/lib/entry-points.ts). */
async function measureOnce(noFlags: boolean): Promise<Measured> {
  const m: Measured = {
    emptyDaemon: 0, emptyProxy: 0, daemon: 0, proxy: 0, instances: 0, checker: 0, checkerLeftS: 0, reference: 0, reference2: 0,
    deployMs: 0, deployDaemonCpuMs: 0, deployProxyCpuMs: 0, idleDaemonCpuMsPerS: 0, idleProxyCpuMsPerS: 0,
  };
  for (const name of FLAG_VARIABLES) {
    if (noFlags) process.env[name] = '';
    else delete process.env[name];
  }
  try {
    await withProject(apps, (p) => measure(p, m));
  } finally {
    for (const name of FLAG_VARIABLES) delete process.env[name];
  }
  return m;
}

/** --compare-flags: the same measurement without any V8 flag first, then with slipway's, side by side. */
function printComparison(none: Measured, chosen: Measured): void {
  const rows: Array<[string, (m: Measured) => number, string]> = [
    ['daemon RSS idle', (m) => m.daemon, 'MB'],
    ['proxy RSS idle', (m) => m.proxy, 'MB'],
    ['daemon + proxy', (m) => m.daemon + m.proxy, 'MB'],
    [`${PROJECTS} deploys, wall clock`, (m) => m.deployMs / 1000, 's'],
    ['daemon CPU during them', (m) => m.deployDaemonCpuMs, 'ms'],
    ['proxy CPU during them', (m) => m.deployProxyCpuMs, 'ms'],
    ['daemon CPU idle, per s', (m) => m.idleDaemonCpuMsPerS, 'ms'],
    ['proxy CPU idle, per s', (m) => m.idleProxyCpuMsPerS, 'ms'],
  ];
  console.log(`\nV8 flags, same run: no flags, then slipway's (daemon: ${NODE_FLAGS.daemon.join(' ')}; proxy: ${NODE_FLAGS.proxy.join(' ')})`);
  console.log(`  ${'figure'.padEnd(26)}${'no flags'.padStart(12)}${'with flags'.padStart(12)}   ratio`);
  for (const [name, get, unit] of rows) {
    const a = get(none);
    const b = get(chosen);
    console.log(`  ${name.padEnd(26)}${`${a.toFixed(1)} ${unit}`.padStart(12)}${`${b.toFixed(1)} ${unit}`.padStart(12)}   ${(b / a).toFixed(2)}`);
  }
}

async function main(): Promise<void> {
  const none = process.argv.includes('--compare-flags') ? await measureOnce(true) : undefined;
  const m = await measureOnce(false);
  if (none) printComparison(none, m);
  const reference = m.reference;
  const bare = m.reference + m.reference2;
  const sum = m.daemon + m.proxy;
  const mb = (n: number): string => `${n.toFixed(1)} MB`.padStart(9);
  console.log(`\nmemory (VmRSS, median of ${SAMPLES} samples), ${PROJECTS} projects × ${PER_PROJECT} idle services × 1 instance of examples/hello, health checks every ${PROBE_EVERY ?? '1s (the default)'}; ${cpus().length} CPUs, node ${process.version}`);
  console.log(`  sampled ${(m.checkerLeftS + IDLE_MS / 1000).toFixed(0)} s after the deploys: the config checker (${m.checker.toFixed(1)} MB right after them) left after ${m.checkerLeftS.toFixed(0)} s, then ${IDLE_MS / 1000} s idle`);
  console.log(`  daemon            ${mb(m.daemon)}   (before any deploy: ${m.emptyDaemon.toFixed(1)} MB)   ${(m.daemon / reference).toFixed(2)}× reference`);
  console.log(`  proxy             ${mb(m.proxy)}   (before any deploy: ${m.emptyProxy.toFixed(1)} MB)   ${(m.proxy / reference).toFixed(2)}× reference`);
  console.log(`  daemon + proxy    ${mb(sum)}   target ≤ ${TARGET_MB} MB ${sum <= TARGET_MB ? '✓' : '✗'}   ${(sum / bare).toFixed(2)}× two bare processes`);
  console.log(`  reference         ${mb(reference)}   bare \`node -e "setInterval(()=>{},1e9)"\``);
  console.log(`  two bare processes ${mb(bare)}   (${m.reference.toFixed(1)} + ${m.reference2.toFixed(1)} MB, same command, side by side)`);
  console.log(`  (not counted: the ${SERVICES} app instances together ${m.instances.toFixed(1)} MB)`);
  console.log(`  with slipway's V8 flags (src/lib/entry-points.ts; --compare-flags measures without them first): ${PROJECTS} deploys took ${(m.deployMs / 1000).toFixed(1)} s, daemon CPU ${m.deployDaemonCpuMs} ms, proxy CPU ${m.deployProxyCpuMs} ms;`);
  console.log(`  idle CPU per second: daemon ${m.idleDaemonCpuMsPerS.toFixed(1)} ms, proxy ${m.idleProxyCpuMsPerS.toFixed(1)} ms`);
  const file = join(REPO_ROOT, 'bench', 'results', 'memory.json');
  await mkdir(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  const results = Object.fromEntries(Object.entries({ ...m, sum }).map(([k, v]) => [/Ms|MsPerS$/.test(k) ? k : `${k}Mb`, round(v, 1)]));
  const withoutFlags = none ? { withoutFlags: Object.fromEntries(Object.entries(none).map(([k, v]) => [k, round(v, 1)])) } : {};
  await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), services: SERVICES, targetMb: TARGET_MB, node: process.version, flags: NODE_FLAGS, results, ...withoutFlags }, null, 1)}\n`);
  console.log(`results written to ${file}`);
  const fails = await checkBaseline(m);
  if (fails.length > 0) {
    // Loud: a banner on stdout (where the figures are) and the same lines on stderr, then exit 1.
    const banner = '!'.repeat(100);
    console.log(`\n${banner}\nMEMORY BENCH FAILED\n${fails.join('\n')}\n${banner}`);
    for (const line of fails) console.error(line);
    process.exitCode = 1;
  }
}

await main().catch((err: unknown) => {
  console.error(`memory failed: ${(err as Error).message}`);
  process.exitCode = 1;
});
