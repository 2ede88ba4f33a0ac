/**
 * Runs test files side by side: each file in its own `node --test` process, `jobs` at a
 * time, longest-expected first (end-to-end files, then the rest). Files whose assertions
 * measure latency run afterwards, one at a time with nothing beside them, because a
 * neighbour's load would be part of what they measure. Each file's output is printed
 * whole when it ends (never interleaved), then a summary with the slowest files.
 *
 * Usage: node --import tsx scripts/run-tests.ts [--jobs N] FILE...
 * SLIPWAY_TEST_JOBS overrides the default (2, or 1 on a single-core machine).
 * Exits 1 when any file fails.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

/** Files that compare latencies or assert a request rate: run alone. */
const SOLO = [/test\/e2e\/canary[^/]*\.test\.ts$/, /test\/e2e\/deploy-cycles\.test\.ts$/];

interface FileResult {
  readonly file: string;
  readonly ms: number;
  readonly ok: boolean;
  readonly tests: number;
  readonly failed: number;
  readonly output: string;
}

function parseArgs(argv: readonly string[]): { jobs: number; files: string[] } {
  const files: string[] = [];
  let jobs = Number(process.env['SLIPWAY_TEST_JOBS'] ?? Math.min(2, availableParallelism()));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--jobs') jobs = Number(argv[++i]);
    else files.push(arg);
  }
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`--jobs must be a whole number ≥ 1, got ${String(jobs)}`);
  return { jobs, files };
}

function count(output: string, label: string): number {
  const match = new RegExp(`^ℹ ${label} (\\d+)$`, 'm').exec(output);
  return match ? Number(match[1]) : 0;
}

const FAILURE_TAIL_LINES = 60;

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

function runFile(file: string): Promise<FileResult> {
  const started = performance.now();
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('close', (code) => {
      const ms = performance.now() - started;
      const output = Buffer.concat(chunks).toString('utf8');
      process.stdout.write(`\n── ${file} (${(ms / 1000).toFixed(1)} s, exit ${String(code)})\n${output}`);
      resolveRun({ file, ms, ok: code === 0, tests: count(output, 'tests'), failed: count(output, 'fail'), output });
    });
  });
}

async function runPool(files: readonly string[], jobs: number): Promise<FileResult[]> {
  const queue = [...files];
  const results: FileResult[] = [];
  const worker = async (): Promise<void> => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) results.push(await runFile(file));
  };
  await Promise.all(Array.from({ length: Math.min(jobs, files.length) }, worker));
  return results;
}

async function main(): Promise<void> {
  const { jobs, files } = parseArgs(process.argv.slice(2));
  const solo = files.filter((f) => SOLO.some((re) => re.test(f)));
  const shared = files.filter((f) => !solo.includes(f));
  const e2eFirst = [...shared.filter((f) => f.includes('/e2e/')), ...shared.filter((f) => !f.includes('/e2e/'))];
  const started = performance.now();
  const results = [...(await runPool(e2eFirst, jobs)), ...(await runPool(solo, 1))];
  const wall = (performance.now() - started) / 1000;
  const failed = results.filter((r) => !r.ok);
  const tests = results.reduce((n, r) => n + r.tests, 0);
  const failedTests = results.reduce((n, r) => n + r.failed, 0);
  const slowest = [...results].sort((a, b) => b.ms - a.ms).slice(0, 12);
  console.log(`\n══ ${results.length} files, ${tests} tests, ${failedTests} failed; ${wall.toFixed(0)} s wall with ${jobs} side by side`);
  console.log('slowest files:');
  for (const r of slowest) console.log(`  ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${r.file}`);
  if (failed.length > 0) {
    console.log('failed files:');
    for (const r of failed) console.log(`  ${r.file}`);
    // Again at the very end, where a log shown only in part still shows why.
    for (const r of failed) console.log(`\n── why ${r.file} failed (its last ${FAILURE_TAIL_LINES} lines)\n${lastLines(r.output, FAILURE_TAIL_LINES)}`);
    process.exitCode = 1;
  }
}

await main();
