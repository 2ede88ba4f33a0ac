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
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../src/lib/free-port.js';
import { pacedLatency, type PacedResult } from './paced-latency.js';
import { have, printRows, startNginx, withRig, wrk, writeResults, type Rig, type Row } from './proxy-rig.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    threads: { type: 'string', default: '1' },
    rate: { type: 'string', default: '1000' },
    'paced-duration': { type: 'string', default: '10' },
  },
});

const ADDED_P99_TARGET_MS = 1;
const PACED_TARGETS = ['direct', 'slipway', 'nginx-1w'];

async function waitForPort(port: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing answers on port ${port}`);
    await sleep(50);
  }
}

async function measure(rig: Rig, name: string, port: number, durationS: string): Promise<Row> {
  const args = ['-t', values.threads ?? '1', '-c', values.connections ?? '64', '-d', `${durationS}s`, '--latency', `http://127.0.0.1:${port}/`];
  const w = await wrk(rig, args);
  return { name, rps: w.rps, p50: w.p50, p99: w.p99, errors: w.non2xx + (w.socketErrors[0] ?? 0) };
}

async function main(): Promise<void> {
  if (!have('wrk')) throw new Error('wrk is missing: run bench/proxy.sh (it installs wrk, nginx and caddy)');
  await withRig('slipway-bench-', async (rig) => {
    const { dir, appPort } = rig;
    // The app runs in this process, which otherwise only waits for wrk.
    const targets: Array<{ name: string; port: number }> = [{ name: 'direct', port: appPort }];
    const slipwayPort = await freePort();
    await rig.startSlipway({ http: slipwayPort });
    targets.push({ name: 'slipway', port: slipwayPort });

    if (have('nginx')) {
      for (const workers of [1, 2]) targets.push({ name: `nginx-${workers}w`, port: await startNginx(rig, workers) });
    }
    if (have('caddy')) {
      const port = await freePort();
      const file = join(dir, 'Caddyfile');
      await writeFile(file, `{\n\tadmin off\n\tauto_https off\n}\nhttp://127.0.0.1:${port} {\n\treverse_proxy 127.0.0.1:${appPort}\n}\n`);
      const child = spawn('caddy', ['run', '--config', file, '--adapter', 'caddyfile'], {
        stdio: 'ignore',
        env: { ...process.env, XDG_DATA_HOME: join(dir, 'caddy-data'), XDG_CONFIG_HOME: join(dir, 'caddy-config'), HOME: dir },
      });
      rig.children.push(child);
      targets.push({ name: 'caddy', port });
    }
    for (const t of targets) await waitForPort(t.port);

    const results: Row[] = [];
    for (const t of targets) {
      await measure(rig, t.name, t.port, '2'); // warm-up: JIT, connection pools
      results.push(await measure(rig, t.name, t.port, values.duration ?? '10'));
    }
    report(results);

    const options = { rate: Number(values.rate), durationS: Number(values['paced-duration']), rounds: 10, warmupS: 3, connections: 32 };
    const pacedTargets = targets.filter((x) => PACED_TARGETS.includes(x.name));
    const measured = await pacedLatency(
      pacedTargets.map((t) => t.port),
      options,
      (child) => rig.track(child),
    );
    const paced = measured.map((r, i) => ({ name: pacedTargets[i]?.name ?? '?', ...r }));
    reportPaced(paced);
    await writeResults('proxy', { wrk: { ...values }, throughput: results, paced });
  });
}

function report(results: Row[]): void {
  const by = (name: string) => results.find((r) => r.name === name);
  const slipway = by('slipway');
  console.log(`wrk -t${values.threads} -c${values.connections} -d${values.duration}s, 100-byte responses, 127.0.0.1`);
  printRows(results);
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
