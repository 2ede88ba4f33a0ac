/**
 * Container deploy overhead (issue 14's benchmark), paired runs in alternating order on one
 * private Podman serving the Docker Engine API (test/helpers/podman-lab.ts):
 *   slipway:  `slipway deploy` of a container service whose env changed → a client polling the
 *             proxy sees the new release answer (one instance, health every 100 ms, rise 1)
 *   by hand:  `podman --remote run -d -p 127.0.0.1:PORT:PORT …` (same image, command, network)
 *             → a client polling that port sees it answer (the health wait done by hand)
 *   rollback: `slipway rollback` to the warm previous container release → the client sees it.
 *   api:      the same deploy asked of the daemon by curl over its control API (docs/cli.md)
 *             → the client sees it: slipway without the CLI's Node start
 *   boot:     the container's own boot: create + start through the engine API from this running
 *             process (no tool started at all) → a client polling its port sees it answer
 *   node:     a bare `node -e 0` started and ended: what any CLI written for Node pays first
 * Target: slipway ≤ 1.2 × by hand (medians); warm rollback ≤ 1 s. The issue counts the deploy
 * "minus the container's own boot": the overheads (each figure minus the boot median) are printed
 * too, and the floor of any Node CLI in the same run under both readings.
 * Usage: node --import tsx bench/container-deploy.ts [runs=5]
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { DockerApi } from '../src/drivers/container/docker-api.js';
import { freePort } from '../src/lib/free-port.js';
import { BUSYBOX_IMAGE, PodmanLab } from '../test/helpers/podman-lab.js';
import { withProject } from './bench-project.js';
import { round, summarize } from './stats.js';
import { VersionProbe } from './version-probe.js';

const run = promisify(execFile);
type Which = 'slipway' | 'hand' | 'boot' | 'node' | 'api';
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
  const boot: number[] = [];
  const viaApi: number[] = [];
  const nodeStart: number[] = [];
  const engine = new DockerApi({ socketPath: lab.socketPath });
  const loadBefore = loadavg();
  const steps: Record<string, number[]> = {};
  const apiSteps: Record<string, number[]> = {};
  try {
    await withProject([], async (p) => {
      await p.writeConfig(config(p.port, 'v0'));
      await p.cli(['daemon', '--detach']);
      await p.cli(['deploy']); // cold first release: not measured
      const probe = new VersionProbe(p.port, HOST);
      try {
        let live = 'v0'; // the note of the release serving now
        const once = async (i: number, which: Which) => {
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
            rollback.push((await probe.waitFor(live, r0, 30_000)) - r0);
            rollbackCli.push(back.ms);
            // Forward again, so the next run deploys on top of the newest release.
            const f0 = performance.now();
            await p.cli(['rollback', 'web']);
            await probe.waitFor(note, f0, 30_000);
            live = note;
          } else if (which === 'api') {
            // The same deploy asked of the daemon through its control API by curl (no Node start).
            const note = `a${i}`;
            await p.writeConfig(config(p.port, note));
            const t0 = performance.now();
            const { stdout } = await run('curl', ['-sS', '--unix-socket', join(p.stateDir, 'daemon.sock'), '-H', 'content-type: application/json', '-d', JSON.stringify({ configFile: join(p.dir, 'slipway.yaml'), service: 'web' }), 'http://slipway/v1/deploy']);
            const last = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { type?: string; results?: Array<{ report: { steps: Array<{ step: string; ms: number }> } }> };
            if (last.type !== 'result') throw new Error(`api deploy ${i}: ${stdout}`);
            for (const { step, ms } of last.results?.[0]?.report.steps ?? []) (apiSteps[step] ??= []).push(ms);
            viaApi.push((await probe.waitFor(note, t0, 30_000)) - t0);
            live = note;
          } else if (which === 'boot') {
            const port = await freePort();
            const note = `b${i}`;
            const t0 = performance.now();
            const id = await engine.create({ name: `bench-boot-${i}`, image: BUSYBOX_IMAGE, command: ['sh', '-c', APP], env: { PORT: String(port), NOTE: note }, labels: {}, port, hostIp: '127.0.0.1', network: 'slirp4netns' });
            await engine.start(id);
            boot.push(await firstAnswer(port, note, t0));
            await engine.remove(id);
          } else if (which === 'node') {
            const t0 = performance.now();
            await run(process.execPath, ['-e', '0']);
            nodeStart.push(performance.now() - t0);
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
        await once(-1, 'hand'); // warm-ups of the by-hand and the API paths, not counted
        await once(-1, 'boot');
        byHand.length = 0;
        boot.length = 0;
        const kinds: Which[] = ['slipway', 'hand', 'boot', 'node', 'api'];
        for (let i = 0; i < runs; i++) {
          // Each kind in each position in turn, so a slow minute does not land on one kind.
          const order = [...kinds.slice(i % kinds.length), ...kinds.slice(0, i % kinds.length)];
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
    ['slipway deploy asked by curl of its control API → seen', summarize(viaApi)],
    ['by hand: podman run -d → first 200', h],
    ['slipway rollback (warm) → client sees it', r],
    ["the container's own boot: engine API create + start → first 200", summarize(boot)],
    ['a bare `node -e 0`, spawn → exit', summarize(nodeStart)],
  ] as const) {
    console.log(`  ${what.padEnd(52)} median ${round(x.median)}  p90 ${round(x.p90)}  min ${round(x.min)}  max ${round(x.max)}`);
  }
  const loadAfter = loadavg();
  console.log(`  load average (1, 5, 15 min) before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`  slipway rollback CLI wall clock: median ${round(summarize(rollbackCli).median)}  p90 ${round(summarize(rollbackCli).p90)}`);
  console.log(`  slipway deploy CLI wall clock: median ${round(summarize(cli).median)}; daemon steps (median ms): ${Object.entries(steps).map(([k, v]) => `${k} ${round(summarize(v).median)}`).join(', ')}`);
  const ratio = s.median / h.median;
  console.log(`  ratio slipway / by hand (medians): ${round(ratio, 2)} (target ≤ 1.2: ${ratio <= 1.2 ? 'met' : 'not met'})`);
  const b = summarize(boot).median;
  const n = summarize(nodeStart).median;
  const overhead = (s.median - b) / (h.median - b);
  console.log(`  through the control API, daemon steps (median ms): ${Object.entries(apiSteps).map(([k, v]) => `${k} ${round(summarize(v).median)}`).join(', ')}`);
  const a = summarize(viaApi).median;
  const apiRatio = a / h.median;
  const apiOverhead = (a - b) / (h.median - b);
  console.log(`  ratio through the control API / by hand: ${round(apiRatio, 2)} (target ≤ 1.2: ${apiRatio <= 1.2 ? 'met' : 'not met'}); minus the boot: ${round(a - b)} / ${round(h.median - b)} = ${round(apiOverhead, 2)} (${apiOverhead <= 1.2 ? 'met' : 'not met'})`);
  console.log(`  minus the container's own boot (${round(b)} ms): slipway ${round(s.median - b)}, by hand ${round(h.median - b)}, ratio ${round(overhead, 2)} (target ≤ 1.2: ${overhead <= 1.2 ? 'met' : 'not met'})`);
  console.log(`  floor of any Node CLI (node start + the boot, nothing else): ${round(n + b)} ms = ${round((n + b) / h.median, 2)} × by hand; its overhead alone (node start) = ${round(n / (h.median - b), 2)} × by hand's overhead`);
  console.log(`  warm rollback p90 ${round(r.p90)} ms (target ≤ 1000 ms: ${r.p90 <= 1000 ? 'met' : 'not met'})`);
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/container-deploy.json', `${JSON.stringify({ runs, slipwayMs: slipway, gateMs: gate, byHandMs: byHand, rollbackMs: rollback, deployCliMs: cli, rollbackCliMs: rollbackCli, viaApiMs: viaApi, bootMs: boot, nodeStartMs: nodeStart, stepsMs: steps, apiStepsMs: apiSteps, loadAverage: { before: loadBefore, after: loadAfter } }, null, 2)}\n`);
}

await main();
