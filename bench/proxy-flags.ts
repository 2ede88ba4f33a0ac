/**
 * What a V8 flag on the proxy saves in memory and costs in throughput, measured in one run
 * against the same proxy without flags (node dist/bench/proxy-flags.js; needs wrk, which
 * bench/proxy.sh installs).
 *
 * One proxy process per variant, all at once, each with the same table: 12 idle services
 * (health checks every 200 ms against the app) and one catch-all route that wrk loads. RSS
 * (VmRSS, median of 5 samples) idle before any load and idle after it, and the peak (VmHWM);
 * then throughput: wrk against each variant in turn, interleaved over several rounds so that
 * every variant sees the same machine load; the median req/s of each over the reference's.
 * Also the proxy's CPU time per request in each wrk run (from /proc/<pid>/stat): on a busy
 * machine req/s swing with other jobs, CPU per request much less. A variant is acceptable when
 * it keeps ≥ MIN_RATIO of the reference's throughput per CPU; the chosen flags
 * (NODE_FLAGS.proxy, src/lib/entry-points.ts) print FAIL when they do not.
 *
 *   node dist/bench/proxy-flags.js [--rounds 5] [--duration 4] [--connections 64]
 */
import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnProxy } from '../src/proxy/launch.js';
import { ProxyClient } from '../src/proxy/client.js';
import { proxyPaths } from '../src/proxy/paths.js';
import { NODE_FLAGS } from '../src/lib/entry-points.js';
import type { RoutingTableInput } from '../src/proxy/protocol.js';
import { have, withRig, wrk, writeResults, type Rig } from './proxy-rig.js';
import { cpuMs, rssMb } from './rss.js';
import { round, summarize } from './stats.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '4' },
    connections: { type: 'string', default: '64' },
  },
});

const MIN_RATIO = 0.95;
const IDLE_SERVICES = 12;
const SAMPLES = 5;

interface Variant {
  readonly name: string;
  readonly flags: readonly string[];
}

const chosen = NODE_FLAGS.proxy;
const VARIANTS: readonly Variant[] = [
  { name: 'no flags', flags: [] },
  { name: 'semi-space 1 MB', flags: ['--max-semi-space-size=1'] },
  { name: 'semi-space 2 MB', flags: ['--max-semi-space-size=2'] },
  { name: 'semi-space 4 MB', flags: ['--max-semi-space-size=4'] },
];

function table(appPort: number): RoutingTableInput {
  const health = { path: '/', intervalMs: 200, timeoutMs: 1000, rise: 2, fall: 2 };
  const service = (id: string) => ({ drainMs: 1000, health, targets: [{ id, release: 'r1', port: appPort }] });
  const idle = Array.from({ length: IDLE_SERVICES }, (_, i) => `svc${i}`);
  return {
    version: 1,
    listen: { host: '127.0.0.1', http: 0 },
    routes: [...idle.map((name, i) => ({ host: `s${i}.localhost`, path: '/', service: name })), { host: '*', path: '/', service: 'load' }],
    services: Object.fromEntries([...idle.map((name) => [name, service(`${name}-1`)] as const), ['load', service('load-1')] as const]),
    accessLog: false,
  };
}

async function peakMb(pid: number): Promise<number> {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? Number.NaN) / 1024;
}

async function idleMb(pids: readonly number[]): Promise<number[]> {
  const samples: number[][] = pids.map(() => []);
  for (let s = 0; s < SAMPLES; s++) {
    const now = await Promise.all(pids.map((pid) => rssMb(pid)));
    now.forEach((mb, i) => samples[i]?.push(mb));
    await sleep(500);
  }
  return samples.map((v) => summarize(v).median);
}

interface Running extends Variant {
  readonly pid: number;
  readonly port: number;
}

async function startAll(rig: Rig, variants: readonly Variant[], pids: number[]): Promise<Running[]> {
  const running: Running[] = [];
  for (const [i, v] of variants.entries()) {
    const stateDir = join(rig.dir, `proxy-${i}`);
    const { pid } = await spawnProxy({ stateDir, logFile: join(stateDir, 'proxy.log'), nodeFlags: v.flags });
    pids.push(pid);
    const ack = await new ProxyClient(proxyPaths(stateDir).socket).putTable(table(rig.appPort));
    running.push({ ...v, pid, port: ack.httpPort });
  }
  return running;
}

async function main(): Promise<void> {
  if (!have('wrk')) throw new Error('wrk is missing: run bench/proxy.sh once (it installs wrk)');
  const variants = VARIANTS.some((v) => v.flags.join(' ') === chosen.join(' ')) || chosen.length === 0 ? VARIANTS : [...VARIANTS, { name: 'chosen', flags: chosen }];
  const pids: number[] = [];
  await withRig('slipway-flags-', async (rig) => {
    try {
      const running = await startAll(rig, variants, pids);
      await sleep(5000); // every health check has run many times
      const before = await idleMb(running.map((r) => r.pid));
      const rps: number[][] = running.map(() => []);
      const cpuPerRequest: number[][] = running.map(() => []);
      const args = (port: number): string[] => ['-t', '1', '-c', values.connections ?? '64', '-d', `${values.duration}s`, `http://127.0.0.1:${port}/`];
      for (const r of running) await wrk(rig, ['-t', '1', '-c', values.connections ?? '64', '-d', '1s', `http://127.0.0.1:${r.port}/`]); // warm-up
      for (let round = 0; round < Number(values.rounds); round++) {
        const order = round % 2 === 0 ? running : [...running].reverse();
        for (const r of order) {
          const i = running.indexOf(r);
          const cpuBefore = await cpuMs(r.pid);
          const figures = await wrk(rig, args(r.port)).catch(async (err: unknown) => {
            const log = await readFile(join(rig.dir, `proxy-${i}`, 'proxy.log'), 'utf8').catch(() => '');
            throw new Error(`wrk against the proxy with ${r.name} failed: ${(err as Error).message}\n${log.split('\n').slice(-8).join('\n')}`);
          });
          rps[i]?.push(figures.rps);
          // CPU time per request moves far less with the machine's load than req/s do.
          cpuPerRequest[i]?.push(((await cpuMs(r.pid)) - cpuBefore) * 1000 / (figures.rps * Number(values.duration)));
        }
      }
      await sleep(5000);
      const after = await idleMb(running.map((r) => r.pid));
      const peaks = await Promise.all(running.map((r) => peakMb(r.pid)));
      report(running, before, after, peaks, rps, cpuPerRequest);
    } finally {
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
  });
}

function report(running: readonly Running[], before: number[], after: number[], peaks: number[], rps: number[][], cpu: number[][]): void {
  const medians = rps.map((v) => summarize(v).median);
  const cpuMedians = cpu.map((v) => summarize(v).median);
  // Ratios paired by round (each variant against the reference in the same round), then the median:
  // the machine's load drifts between rounds more than within one.
  const paired = (runs: number[][], i: number, f: (mine: number, ref: number) => number): number =>
    summarize((runs[i] ?? []).map((v, k) => f(v, runs[0]?.[k] ?? Number.NaN))).median;
  const rows = running.map((r, i) => ({
    name: r.name,
    flags: r.flags.join(' ') || '(none)',
    idleMb: round(before[i] ?? Number.NaN, 1),
    idleAfterLoadMb: round(after[i] ?? Number.NaN, 1),
    peakMb: round(peaks[i] ?? Number.NaN, 1),
    rps: round(medians[i] ?? Number.NaN),
    rpsRuns: (rps[i] ?? []).map((v) => round(v)),
    ratio: round(paired(rps, i, (mine, ref) => mine / ref), 3),
    cpuUsPerRequest: round(cpuMedians[i] ?? Number.NaN, 1),
    cpuUsPerRequestRuns: (cpu[i] ?? []).map((v) => round(v, 1)),
    /** Throughput on a saturated core relative to no flags: the reference's CPU per request over this one's. */
    cpuRatio: round(paired(cpu, i, (mine, ref) => ref / mine), 3),
  }));
  console.log(`\nproxy V8 flags: ${IDLE_SERVICES} idle services + 1 loaded route; wrk -c${values.connections} ${values.duration}s × ${values.rounds} interleaved rounds`);
  console.log(`${'variant'.padEnd(18)}${'idle MB'.padEnd(9)}${'idle after load'.padEnd(17)}${'peak MB'.padEnd(9)}${'req/s'.padEnd(9)}${'ratio'.padEnd(8)}${'CPU µs/req'.padEnd(12)}throughput per CPU, ratio`);
  for (const r of rows) {
    console.log(`${r.name.padEnd(18)}${r.idleMb.toFixed(1).padEnd(9)}${r.idleAfterLoadMb.toFixed(1).padEnd(17)}${r.peakMb.toFixed(1).padEnd(9)}${String(r.rps).padEnd(9)}${r.ratio.toFixed(3).padEnd(8)}${r.cpuUsPerRequest.toFixed(1).padEnd(12)}${r.cpuRatio.toFixed(3)}`);
  }
  console.log('(ratios paired by round, median over the rounds; ratio: req/s over no flags\'; throughput per CPU: no flags\' CPU per request over this one\'s, which a busy machine disturbs less)');
  const mine = rows.find((r) => r.flags === (chosen.join(' ') || '(none)'));
  if (mine) {
    const ok = mine.cpuRatio >= MIN_RATIO;
    console.log(`chosen flags (NODE_FLAGS.proxy): ${mine.flags}: throughput per CPU ${mine.cpuRatio.toFixed(3)}× no flags (floor ${MIN_RATIO}), req/s ${mine.ratio.toFixed(3)}× ${ok ? 'ok' : ''}`);
    if (!ok) {
      console.log(`FAIL: the proxy's flags (${mine.flags}) keep ${mine.cpuRatio.toFixed(3)}× the throughput per CPU of no flags, under the ${MIN_RATIO} floor`);
      process.exitCode = 1;
    }
  }
  void writeResults('proxy-flags', { rounds: Number(values.rounds), durationS: Number(values.duration), connections: Number(values.connections), chosen, rows });
}

await main();
