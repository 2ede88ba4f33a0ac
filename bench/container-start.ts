/**
 * Container start through slipway's container driver against the same start done by hand, on
 * one private Podman (the Docker Engine API service of test/helpers/podman-lab.ts), paired runs
 * in alternating order:
 *   driver:   ContainerDriver.start → first 200 from busybox httpd on 127.0.0.1:PORT
 *   by hand:  `podman --remote run -d -p 127.0.0.1:PORT:PORT …` (same image, command, network)
 *             → first 200
 * and the driver's polite stop (SIGTERM handled by the app; the container removed).
 * Usage: node --import tsx bench/container-start.ts [runs=10]
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ContainerDriver } from '../src/drivers/container/container-driver.js';
import { freePort } from '../src/lib/free-port.js';
import { BUSYBOX_IMAGE, PodmanLab } from '../test/helpers/podman-lab.js';
import { round, summarize } from './stats.js';

const run = promisify(execFile);
const runs = Number(process.argv[2] ?? 10);
const APP = 'trap "exit 0" TERM; httpd -f -p "$PORT" -h /www & wait';

async function until200(port: number, t0: number): Promise<number> {
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.ok, () => false);
    if (ok) return performance.now() - t0;
    if (performance.now() - t0 > 30_000) throw new Error(`nothing answered on ${port} within 30 s`);
    await sleep(5);
  }
}

async function main(): Promise<void> {
  const lab = await PodmanLab.start();
  const remote = (args: string[]) => run('podman', ['--remote', '--url', `unix://${lab.socketPath}`, ...args], { env: { ...process.env, CONTAINERS_CONF: join(lab.dir, 'containers.conf') } });
  const driver = new ContainerDriver({ stateDir: join(lab.dir, 'state'), socketPath: lab.socketPath, network: 'slirp4netns', pollMs: 500 });
  const viaDriver: number[] = [];
  const byHand: number[] = [];
  const stops: number[] = [];
  try {
    const once = async (i: number, which: 'driver' | 'hand') => {
      const port = await freePort();
      const t0 = performance.now();
      if (which === 'driver') {
        const handle = await driver.start({ id: `bench-${i}`, service: 'bench', releaseId: 'r1', cwd: '/', image: BUSYBOX_IMAGE, command: ['sh', '-c', APP], env: {}, port });
        viaDriver.push(await until200(port, t0));
        const s0 = performance.now();
        await driver.stop(handle, { graceMs: 5000 });
        stops.push(performance.now() - s0);
      } else {
        const name = `bench-hand-${i}`;
        await remote(['run', '-d', '--name', name, '--label', 'slipway.managed=true', '--network', 'slirp4netns', '-p', `127.0.0.1:${port}:${port}`, '-e', `PORT=${port}`, BUSYBOX_IMAGE, 'sh', '-c', APP]);
        byHand.push(await until200(port, t0));
        await remote(['rm', '-f', '-t', '5', name]);
      }
    };
    await once(-1, 'driver'); // warm-up, not counted
    viaDriver.length = 0;
    stops.length = 0;
    for (let i = 0; i < runs; i++) {
      const order: Array<'driver' | 'hand'> = i % 2 === 0 ? ['driver', 'hand'] : ['hand', 'driver'];
      for (const which of order) await once(i, which);
    }
  } finally {
    await driver.close();
    await lab.stop();
  }
  const d = summarize(viaDriver);
  const h = summarize(byHand);
  const s = summarize(stops);
  const rows = [
    ['driver: start → first 200', d],
    ['by hand: podman --remote run -d → first 200', h],
    ['driver: polite stop + remove', s],
  ] as const;
  console.log(`container start, ${runs} paired runs (ms)`);
  for (const [what, x] of rows) console.log(`  ${what.padEnd(46)} median ${round(x.median)}  p90 ${round(x.p90)}  min ${round(x.min)}  max ${round(x.max)}`);
  console.log(`  ratio driver / by hand (medians): ${round(d.median / h.median, 2)}`);
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/container-start.json', `${JSON.stringify({ runs, driverMs: viaDriver, byHandMs: byHand, stopMs: stops }, null, 2)}\n`);
}

await main();
