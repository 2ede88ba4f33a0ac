// CLI start-up against a bare Node start (node dist/bench/cli-startup.js [N]).
// Runs `slipway --help`, `slipway status` and `slipway rollback` (against a running daemon in a
// temp state dir, one deployed service with a warm previous release), each paired with a bare
// `node -e 0` started right before it, N = 10 pairs per command. Target: median ratio ≤ 2×.
import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { REPO_ROOT, withProject, type BenchProject } from './bench-project.js';
import { round, summarize } from './stats.js';

const N = Number(process.argv[2] ?? 10);
const TARGET_RATIO = 2;

const config = (port: number): string =>
  [
    'version: 1',
    `proxy: { http: ${port}, host: 127.0.0.1 }`,
    'services:',
    '  web:',
    '    source: ./app',
    '    run: node server.js',
    '    routes: [{ host: web.localhost }]',
    '    health: { path: /health, interval: 200ms, timeout: 1s, rise: 1, fall: 2, startTimeout: 20s }',
    '    instances: 1',
    '    watch: 0s',
    '    stopTimeout: 3s',
    '',
  ].join('\n');

/** Wall clock of a bare `node -e 0`, spawn to exit. */
function bareNodeMs(env: NodeJS.ProcessEnv): Promise<number> {
  const began = performance.now();
  return new Promise((done, fail) => {
    execFile(process.execPath, ['-e', '0'], { env }, (error) => (error ? fail(error) : done(performance.now() - began)));
  });
}

interface Row {
  readonly label: string;
  readonly slipway: number[];
  readonly node: number[];
  readonly ratios: number[];
}

const COMMANDS: ReadonlyArray<{ label: string; args: string[]; check?: (json: any) => boolean }> = [ // eslint-disable-line @typescript-eslint/no-explicit-any -- each check reads the JSON one command prints, whose shape differs per command
  { label: 'slipway --help', args: ['--help'] },
  { label: 'slipway status', args: ['status'], check: (json) => json.ok === true },
  { label: 'slipway rollback', args: ['rollback'], check: (json) => json.results?.[0]?.outcome === 'succeeded' },
];

async function measure(p: BenchProject, rows: Row[]): Promise<void> {
  await p.writeConfig(config(p.port));
  await p.cli(['daemon', '--detach']);
  await p.setVersion('app', 'one');
  await p.cli(['deploy']);
  await p.setVersion('app', 'two');
  await p.cli(['deploy']); // the warm previous release that each rollback flips to
  for (const command of COMMANDS) {
    const row: Row = { label: command.label, slipway: [], node: [], ratios: [] };
    await p.cli(command.args); // warm the file system cache: not counted
    for (let i = 0; i < N; i++) {
      const bare = await bareNodeMs(p.env);
      const run = await p.cli(command.args);
      if (command.check && !command.check(run.json)) throw new Error(`${command.label} failed: ${run.stdout}`);
      row.slipway.push(run.ms);
      row.node.push(bare);
      row.ratios.push(run.ms / bare);
    }
    rows.push(row);
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  await withProject(['app'], (p) => measure(p, rows));
  const ms = (n: number): string => `${Math.round(n)} ms`.padStart(8);
  console.log(`\nCLI start-up, ${N} pairs per command (each run right after a bare \`node -e 0\`); ${cpus().length} CPUs, node ${process.version}`);
  console.log('  command             median    p90       node -e 0 median   median ratio');
  let pass = true;
  for (const row of rows) {
    const s = summarize(row.slipway);
    const ratio = summarize(row.ratios).median;
    const ok = ratio <= TARGET_RATIO;
    pass &&= ok;
    console.log(`  ${row.label.padEnd(18)} ${ms(s.median)}  ${ms(s.p90)}  ${ms(summarize(row.node).median)}           ${ratio.toFixed(2)}× ${ok ? '✓' : `✗ (target ≤ ${TARGET_RATIO}×)`}`);
  }
  const file = join(REPO_ROOT, 'bench', 'results', 'cli-startup.json');
  await mkdir(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  const results = rows.map((r) => ({
    command: r.label,
    slipwayMs: r.slipway.map((v) => round(v)),
    nodeMs: r.node.map((v) => round(v)),
    medianRatio: round(summarize(r.ratios).median, 2),
  }));
  await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), pairs: N, targetRatio: TARGET_RATIO, node: process.version, results }, null, 1)}\n`);
  console.log(`results written to ${file}`);
  if (!pass) {
    console.log(`FAIL: a command's median start-up is above ${TARGET_RATIO}× a bare node start`);
    process.exitCode = 1;
  }
}

await main().catch((err: unknown) => {
  console.error(`cli-startup failed: ${(err as Error).message}`);
  process.exitCode = 1;
});
