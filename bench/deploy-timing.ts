// Deploy and rollback timing over N runs in one project (node dist/bench/deploy-timing.js [N]).
// Targets: deploy command → traffic switched, minus the app's own boot, ≤ 2 s; rollback of a
// warm release, command → traffic switched, ≤ 1 s. Reference: a bare `node -e 0` spawn.
import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { REPO_ROOT, withProject, type BenchProject } from './bench-project.js';
import { round, summarize } from './stats.js';
import { VersionProbe } from './version-probe.js';

const N = Number(process.argv[2] ?? 10);
/** `--services K`: the measured service shares the host with K − 1 idle ones (one instance each). */
const SERVICES = Number(process.argv[process.argv.indexOf('--services') + 1] ?? 1) || 1;
const idleServices = (): string =>
  Array.from({ length: SERVICES - 1 }, (_, i) => `  idle${i + 1}:
    source: ./app
    run: node server.js
    routes: [{ host: idle${i + 1}.localhost }]
    health: { path: /health, interval: 1s, timeout: 1s, rise: 1, fall: 2, startTimeout: 20s }
    instances: 1
    watch: 1s
`).join('');
const HOST = 'hello.localhost';
const WATCH_MS = 1000;

const config = (port: number): string => `version: 1
proxy: { http: ${port}, host: 127.0.0.1 }
services:
  web:
    source: ./app
    run: node server.js
    routes: [{ host: ${HOST} }]
    health: { path: /health, interval: 200ms, timeout: 1s, rise: 2, fall: 2, startTimeout: 20s }
    instances: 2
    drain: 5s
    keepWarm: 10m
    watch: 1s
    stopTimeout: 3s
${idleServices()}`;

interface Row {
  readonly label: string;
  readonly values: number[];
  readonly targetMs?: number;
}

async function nodeSpawnMs(): Promise<number> {
  const began = performance.now();
  await promisify(execFile)(process.execPath, ['-e', '0']);
  return performance.now() - began;
}

async function measure(p: BenchProject, rows: Record<string, Row>): Promise<void> {
  const add = (key: string, v: number): void => void rows[key]?.values.push(round(v, 1));
  await p.writeConfig(config(p.port));
  await p.setVersion('app', 'v1');
  await p.cli(['daemon', '--detach']);
  await p.cli(['deploy']); // cold first release: not measured
  const probe = new VersionProbe(p.port, HOST);
  try {
    for (let run = 1; run <= N; run++) {
      const next = `v${run + 1}`;
      const back = 'v1'; // every run rolls back to the release that was live before it: v1
      await p.setVersion('app', next);
      let began = performance.now();
      const deploy = await p.cli(['deploy', 'web']);
      const d = deploy.json.results[0];
      if (d.outcome !== 'succeeded') throw new Error(`deploy ${run}: ${deploy.stdout}`);
      const seen = (await probe.waitFor(next, began)) - began;
      const watch = d.report.steps.find((s: { step: string }) => s.step === 'watch')?.ms ?? Number.NaN;
      add('deploySwitchMinusGate', d.switchMs - d.gateMs);
      add('deployClientMinusGate', seen - d.gateMs);
      add('deployCliMinusWatch', deploy.ms - watch);
      add('deployCli', deploy.ms);
      add('deploySwitch', d.switchMs);
      add('deployGate', d.gateMs);
      add('deployWatch', watch);

      began = performance.now();
      const rollback = await p.cli(['rollback', 'web']);
      const r = rollback.json.results[0];
      if (r.outcome !== 'succeeded') throw new Error(`rollback ${run}: ${rollback.stdout}`);
      add('rollbackClient', (await probe.waitFor(back, began)) - began);
      add('rollbackCli', rollback.ms);
      add('rollbackSwitch', r.switchMs);
      add('nodeSpawn', await nodeSpawnMs());
      process.stderr.write(`run ${run}/${N}: deploy ${round(deploy.ms)}ms (switch ${d.switchMs}ms, gate ${d.gateMs}ms), rollback ${round(rollback.ms)}ms\n`);
    }
    if (probe.errors > 0) throw new Error(`${probe.errors} probe requests failed during the runs`);
  } finally {
    await probe.stop();
  }
}

function print(rows: Record<string, Row>): void {
  const ms = (n: number): string => `${round(n)}ms`.padStart(8);
  console.log(`\ndeploy timing, N=${N}, ${SERVICES} service(s) on the host: 2 instances of examples/hello, health every 200ms (rise 2), watch ${WATCH_MS}ms; ${cpus().length} CPUs, node ${process.version}`);
  console.log(`${''.padEnd(62)}  median     p90   target`);
  for (const row of Object.values(rows)) {
    const s = summarize(row.values);
    const verdict = row.targetMs === undefined ? '' : `≤ ${row.targetMs}ms ${s.p90 <= row.targetMs ? '✓' : s.median <= row.targetMs ? '✓ median, ✗ p90' : '✗'}`;
    console.log(`${row.label.padEnd(62)}${ms(s.median)}${ms(s.p90)}   ${verdict}`);
  }
  const ref = summarize(rows['nodeSpawn']?.values ?? []).median;
  const cli = summarize(rows['rollbackCli']?.values ?? []).median;
  console.log(`ratio: \`slipway rollback\` wall clock / bare \`node -e 0\` spawn = ${(cli / ref).toFixed(2)}`);
}

async function main(): Promise<void> {
  const rows: Record<string, Row> = {
    deploySwitchMinusGate: { label: 'deploy: switchMs − gateMs (daemon: request → switched − boot)', values: [], targetMs: 2000 },
    deployClientMinusGate: { label: 'deploy: command start → client sees new version − gateMs', values: [], targetMs: 2000 },
    deployCliMinusWatch: { label: 'deploy: CLI wall clock − watch window', values: [], targetMs: 2000 },
    deployCli: { label: `deploy: CLI wall clock (includes the ${WATCH_MS}ms watch)`, values: [], targetMs: 2000 },
    deploySwitch: { label: 'deploy: switchMs (daemon: request → proxy on new table)', values: [] },
    deployGate: { label: 'deploy: gateMs (new instances boot + pass health ×2)', values: [] },
    deployWatch: { label: 'deploy: watch step (after the switch)', values: [] },
    rollbackSwitch: { label: 'rollback: switchMs (daemon)', values: [], targetMs: 1000 },
    rollbackClient: { label: 'rollback: command start → client sees old version', values: [], targetMs: 1000 },
    rollbackCli: { label: 'rollback: CLI wall clock', values: [], targetMs: 1000 },
    nodeSpawn: { label: 'reference: bare `node -e 0` spawn wall clock', values: [] },
  };
  await withProject(['app'], (p) => measure(p, rows));
  print(rows);
  const results = Object.fromEntries(Object.entries(rows).map(([k, r]) => [k, { label: r.label, targetMs: r.targetMs, ...summarize(r.values), runs: r.values }]));
  const file = join(REPO_ROOT, 'bench', 'results', SERVICES > 1 ? `deploy-timing-${SERVICES}-services.json` : 'deploy-timing.json');
  await mkdir(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, platform: process.platform };
  await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), n: N, watchMs: WATCH_MS, machine, results }, null, 1)}\n`);
  console.log(`results written to ${file}`);
}

await main().catch((err: unknown) => {
  console.error(`deploy-timing failed: ${(err as Error).message}`);
  process.exitCode = 1;
});
