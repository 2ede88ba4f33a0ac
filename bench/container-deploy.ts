/**
 * Container deploy overhead (issue 14's benchmark), paired runs in alternating order on one
 * private Podman serving the Docker Engine API (test/helpers/podman-lab.ts):
 *   slipway:  `slipway deploy` of a container service whose env changed → a client polling the
 *             proxy sees the new release answer (one instance, health every 100 ms, rise 1)
 *   by hand:  `podman --remote run -d -p 127.0.0.1:PORT:PORT …` (same image, command, network)
 *             → a client polling that port sees it answer (the health wait done by hand)
 *   rollback: `slipway rollback` to the warm previous container release → the client sees it.
 * Target: slipway ≤ 1.2 × by hand (medians); warm rollback ≤ 1 s.
 * Usage: node --import tsx bench/container-deploy.ts [runs=5]
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from '../src/lib/free-port.js';
import { BUSYBOX_IMAGE, PodmanLab } from '../test/helpers/podman-lab.js';
import { withProject } from './bench-project.js';
import { round, summarize } from './stats.js';
import { VersionProbe } from './version-probe.js';

const run = promisify(execFile);
const runs = Number(process.argv[2] ?? 5);
const HOST = 'web.localhost';
/** busybox httpd serving "hello from $NOTE" (written over the image's page), leaving on SIGTERM. */
const APP = 'echo "hello from $NOTE" > /www/index.html && trap "exit 0" TERM; httpd -f -p "$PORT" -h /www & wait';

const config = (port: number, note: string): string => `version: 1
proxy: { http: ${port}, host: 127.0.0.1 }
services:
  web:
    image: ${BUSYBOX_IMAGE}
    run: [sh, -c, '${APP.replace(/'/g, "''")}']
    routes: [{ host: ${HOST} }]
    health: { path: /, interval: 100ms, timeout: 1s, rise: 1, fall: 2, startTimeout: 30s }
    instances: 1
    drain: 0s
    watch: 0s
    keepWarm: 10m
    stopTimeout: 2s
    env: { NOTE: ${note} }
`;

async function firstAnswer(port: number, note: string, t0: number): Promise<number> {
  for (;;) {
    const body = await fetch(`http://127.0.0.1:${port}/`).then((r) => (r.ok ? r.text() : ''), () => '');
    if (body.includes(note)) return performance.now() - t0;
    if (performance.now() - t0 > 30_000) throw new Error(`nothing answered on ${port} within 30 s`);
    await sleep(5);
  }
}

async function main(): Promise<void> {
  const lab = await PodmanLab.start();
  process.env['SLIPWAY_CONTAINER_SOCKET'] = lab.socketPath;
  process.env['SLIPWAY_CONTAINER_NETWORK'] = 'slirp4netns';
  const remote = (args: string[]) => run('podman', ['--remote', '--url', `unix://${lab.socketPath}`, ...args], { env: { ...process.env, CONTAINERS_CONF: join(lab.dir, 'containers.conf') } });
  const slipway: number[] = [];
  const gate: number[] = [];
  const byHand: number[] = [];
  const rollback: number[] = [];
  const cli: number[] = [];
  const rollbackCli: number[] = [];
  const loadBefore = loadavg();
  const steps: Record<string, number[]> = {};
  try {
    await withProject([], async (p) => {
      await p.writeConfig(config(p.port, 'v0'));
      await p.cli(['daemon', '--detach']);
      await p.cli(['deploy']); // cold first release: not measured
      const probe = new VersionProbe(p.port, HOST);
      try {
        const once = async (i: number, which: 'slipway' | 'hand') => {
          if (which === 'slipway') {
            const note = `v${i + 1}`;
            await p.writeConfig(config(p.port, note));
            const t0 = performance.now();
            const deploy = await p.cli(['deploy', 'web']);
            const d = deploy.json.results[0];
            if (d.outcome !== 'succeeded') throw new Error(`deploy ${i}: ${deploy.stdout}`);
            slipway.push((await probe.waitFor(note, t0, 30_000)) - t0);
            gate.push(d.gateMs);
            for (const { step, ms } of d.report.steps as { step: string; ms: number }[]) (steps[step] ??= []).push(ms);
            cli.push(deploy.ms);
            const r0 = performance.now();
            const back = await p.cli(['rollback', 'web']);
            if (back.json.results[0].outcome !== 'succeeded') throw new Error(`rollback ${i}: ${back.stdout}`);
            rollback.push((await probe.waitFor(`v${i}`, r0, 30_000)) - r0);
            rollbackCli.push(back.ms);
            // Forward again, so the next run deploys on top of the newest release.
            const f0 = performance.now();
            await p.cli(['rollback', 'web']);
            await probe.waitFor(note, f0, 30_000);
          } else {
            const port = await freePort();
            const name = `bench-hand-${i}`;
            const note = `h${i}`;
            const t0 = performance.now();
            await remote(['run', '-d', '--name', name, '--network', 'slirp4netns', '-p', `127.0.0.1:${port}:${port}`, '-e', `PORT=${port}`, '-e', `NOTE=${note}`, BUSYBOX_IMAGE, 'sh', '-c', APP]);
            byHand.push(await firstAnswer(port, note, t0));
            await remote(['rm', '-f', '-t', '2', name]);
          }
          process.stderr.write(`run ${i} ${which} done\n`);
        };
        await once(-1, 'hand'); // warm-up of the CLI path, not counted
        byHand.length = 0;
        for (let i = 0; i < runs; i++) {
          const order: Array<'slipway' | 'hand'> = i % 2 === 0 ? ['slipway', 'hand'] : ['hand', 'slipway'];
          for (const which of order) await once(i, which);
        }
        if (probe.errors > 0) process.stderr.write(`note: ${probe.errors} probe requests got no 200 (between releases or while the proxy started)\n`);
      } finally {
        await probe.stop();
      }
    });
  } finally {
    await lab.stop();
  }
  const s = summarize(slipway);
  const h = summarize(byHand);
  const g = summarize(gate);
  const r = summarize(rollback);
  console.log(`container deploy overhead, ${runs} paired runs (ms)`);
  for (const [what, x] of [
    ['slipway deploy → client sees the new release', s],
    ['  of which gateMs (container boot + 1 health check)', g],
    ['by hand: podman run -d → first 200', h],
    ['slipway rollback (warm) → client sees it', r],
  ] as const) {
    console.log(`  ${what.padEnd(52)} median ${round(x.median)}  p90 ${round(x.p90)}  min ${round(x.min)}  max ${round(x.max)}`);
  }
  const loadAfter = loadavg();
  console.log(`  load average (1, 5, 15 min) before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`  slipway rollback CLI wall clock: median ${round(summarize(rollbackCli).median)}  p90 ${round(summarize(rollbackCli).p90)}`);
  console.log(`  slipway deploy CLI wall clock: median ${round(summarize(cli).median)}; daemon steps (median ms): ${Object.entries(steps).map(([k, v]) => `${k} ${round(summarize(v).median)}`).join(', ')}`);
  const ratio = s.median / h.median;
  console.log(`  ratio slipway / by hand (medians): ${round(ratio, 2)} (target ≤ 1.2: ${ratio <= 1.2 ? 'met' : 'not met'})`);
  console.log(`  warm rollback p90 ${round(r.p90)} ms (target ≤ 1000 ms: ${r.p90 <= 1000 ? 'met' : 'not met'})`);
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/container-deploy.json', `${JSON.stringify({ runs, slipwayMs: slipway, gateMs: gate, byHandMs: byHand, rollbackMs: rollback, deployCliMs: cli, rollbackCliMs: rollbackCli, stepsMs: steps, loadAverage: { before: loadBefore, after: loadAfter } }, null, 2)}\n`);
}

await main();
