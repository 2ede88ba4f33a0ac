// Canary acceptance on servers nobody here wrote (issue 15): busybox httpd running a CGI script
// and python's http.server (serving files), one instance per release, the judge's
// default settings (α, margins, load guard) with short holds so that the file stays fast
// (docs/design.md, "Canary acceptance in CI"). An unchanged release under steady load is
// promoted 20 times out of 20 (10 in a row on each server) through 5 → 25 → 50 % and the 95 %
// bake; +5 pp errors is rolled back at the first step at 5 / 10 / 25 % (median of three
// deploys each), and 5 % of requests +200 ms at 25 % is caught.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, destroyProject, makeProject, type Project } from '../helpers/e2e-project.js';
import { LoadGenerator } from '../helpers/load.js';

type Server = 'busybox' | 'python';
type Mode = 'ok' | 'errors' | 'slow';

/** The simulation's rate, at which the 17 / 10 / 6 s were measured. */
const RPS = 100;
/** Promotions need steady load, not a given rate: lighter, so two servers can run side by side. */
const PROMOTE_RPS = 60;
const PATH = '/cgi-bin/app';

/** The CGI script: `errors` answers 5 % of requests with 500, `slow` delays 5 % by 200 ms. */
function cgi(mode: Mode, release: number): string {
  return [
    '#!/bin/busybox sh',
    `MODE=${mode}`,
    'r=$((RANDOM % 1000))',
    'if [ "$MODE" = errors ] && [ "$r" -lt 50 ]; then',
    "  printf 'Status: 500 Internal Server Error\\r\\nContent-Type: text/plain\\r\\n\\r\\nfailed\\n'",
    '  exit 0',
    'fi',
    'if [ "$MODE" = slow ] && [ "$r" -lt 50 ]; then sleep 0.2; fi',
    `printf 'Content-Type: text/plain\\r\\n\\r\\nrelease ${release} %s\\n' "$MODE"`,
    '',
  ].join('\n');
}

// python's http.server serves the files as they are (its CGI handler forks a process per
// request behind a listen backlog of 5, and answers 200 whatever the script says).
const RUN: Record<Server, string> = {
  busybox: '[busybox, sh, -c, "exec busybox httpd -f -p 127.0.0.1:$PORT -h www"]',
  python: '[sh, -c, "cd www && exec python3 -m http.server $PORT --bind 127.0.0.1"]',
};

/** Short holds, 1 s warm-up, no request minimum; everything the judge decides with stays default. */
async function configure(p: Project, server: Server, canary: string): Promise<void> {
  await writeFile(
    p.configFile,
    [
      'version: 1',
      'proxy:',
      `  http: ${p.port}`,
      '  host: 127.0.0.1',
      'services:',
      '  web:',
      '    source: ./app',
      `    run: ${RUN[server]}`,
      '    routes:',
      '      - host: hello.localhost',
      '    health: { path: /index.html, interval: 500ms, timeout: 2s, rise: 2, fall: 3, startTimeout: 20s }',
      '    instances: 1',
      '    drain: 1s',
      '    keepWarm: 3s',
      '    watch: 1s',
      '    stopTimeout: 2s',
      '    strategy:',
      `      canary: ${canary}`,
      '',
    ].join('\n'),
  );
}

async function writeApp(p: Project, mode: Mode, release: number): Promise<void> {
  await rm(p.appDir, { recursive: true, force: true });
  await mkdir(join(p.appDir, 'www', 'cgi-bin'), { recursive: true });
  await writeFile(join(p.appDir, 'www', 'index.html'), 'ok\n');
  await writeFile(join(p.appDir, 'www', 'cgi-bin', 'app'), cgi(mode, release));
  await chmod(join(p.appDir, 'www', 'cgi-bin', 'app'), 0o755);
}

const PROMOTE = '{ steps: [5%, 25%, 50%], minHold: 1s, minRequests: 0, bake: 1s, warmup: 1s, sticky: none }';

interface StepReport {
  weight: number;
  ms: number;
  outcome: string;
  releases: { release: string; requests: number }[];
  tests?: Record<string, { state: string; evidence: number }>;
}

interface Deploy {
  readonly code: number;
  readonly result: { outcome: string; reason?: string; report: { canary: StepReport[] } };
  readonly text: string;
}

async function deploy(p: Project): Promise<Deploy> {
  const r = await cli(p, ['deploy', '--json']);
  return { code: r.code, result: r.json?.results?.[0], text: r.stdout + r.stderr };
}

async function withProject(server: Server, rps: number, signal: AbortSignal, body: (p: Project, load: LoadGenerator) => Promise<void>): Promise<void> {
  const p = await makeProject();
  let load: LoadGenerator | undefined;
  // A test that times out is abandoned, not unwound: stop its processes then, by pid.
  const onAbort = () => void load?.stop().finally(() => destroyProject(p));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await writeApp(p, 'ok', 1);
    await configure(p, server, PROMOTE);
    const daemon = await cli(p, ['daemon', '--detach']);
    assert.equal(daemon.code, 0, daemon.stdout + daemon.stderr);
    const first = await deploy(p);
    assert.equal(first.code, 0, first.text);
    load = new LoadGenerator({ port: p.port, host: 'hello.localhost', rps, loops: 16, path: PATH });
    await body(p, load);
  } finally {
    signal.removeEventListener('abort', onAbort);
    await load?.stop();
    await destroyProject(p);
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** `count` unchanged releases in a row, each through 5 → 25 → 50 % and the bake, each promoted. */
async function promoteUnchanged(server: Server, count: number, signal: AbortSignal): Promise<void> {
  await withProject(server, PROMOTE_RPS, signal, async (p, load) => {
    for (let i = 2; i < 2 + count; i++) {
      await writeApp(p, 'ok', i);
      const d = await deploy(p);
      assert.equal(d.code, 0, `${server}: deploy ${i - 1} of ${count} was not promoted: ${d.text}`);
      assert.equal(d.result.outcome, 'succeeded');
      const steps = d.result.report.canary;
      assert.deepEqual(steps.map((s) => [s.weight, s.outcome]), [[0.05, 'next'], [0.25, 'next'], [0.5, 'next'], [0.95, 'next']]);
      // The bake puts 19× a stable instance's load on the one canary instance: latency is not judged there.
      assert.equal(steps[3]?.tests?.['p95']?.state, 'not judged', JSON.stringify(steps[3]?.tests));
      for (const s of steps) for (const t of Object.values(s.tests ?? {})) assert.ok(t.evidence < 1);
    }
    // Not this test's claim (zero-downtime deploys are test/e2e/deploy-cycles.test.ts), but the
    // load must have been served: on a busy machine a health probe may time out now and then.
    assert.ok(load.failures.length <= 0.01 * load.total, `${load.failures.length} of ${load.total} failed: ${JSON.stringify(load.failures.slice(0, 5))}`);
    console.log(`# ${server}: ${count} promoted in a row; ${load.total} requests, ${load.failures.length} failed`);
  });
}

/**
 * Seven deploys failing 5 % of requests at `weight`: each rolled back in its first step (a
 * median of seven: the time to verdict of one deploy is spread wide (3.8 to 19 s at 10 % in one
 * run), so five left the median at the mercy of two slow draws, 16.4 s against a 15 s limit at
 * 10 % once while other runs of the same code gave 7.7 and 11.1 s; three, 9.16 s against a 9 s limit at
 * 25 % once, where the simulation's median is 7 s). Time
 * to verdict is counted in seconds of traffic at the simulation's 100 req/s (the canary's
 * requests in the step / (weight × 100)), the unit of the 17 / 10 / 6 s: on a busy machine
 * the load generator may not reach 100 req/s, and the judge's speed is in requests, not in
 * wall-clock seconds.
 */
const RUNS = 7;

async function errorVerdicts(p: Project, weight: string, before: number): Promise<void> {
  // Only a verdict ends the step: it waits for more requests than it will ever get (lowTraffic: hold).
  await configure(p, 'busybox', `{ steps: [${weight}, 50%], minHold: 1s, minRequests: 1000000, lowTraffic: hold, maxHold: 10m, bake: 1s, warmup: 1s, sticky: none }`);
  const times: number[] = [];
  const wall: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    await writeApp(p, 'errors', 100 + run);
    const d = await deploy(p);
    assert.equal(d.code, 3, d.text);
    assert.equal(d.result.outcome, 'reverted');
    const [step, ...rest] = d.result.report.canary;
    assert.equal(rest.length, 0, 'rolled back in the first step');
    assert.equal(step?.outcome, 'rollback');
    assert.ok((step?.tests?.['errors']?.evidence ?? 0) >= 1 || /in a row/.test(d.result.reason ?? ''), d.result.reason);
    // The canary's requests over what it gets per second at 100 req/s: the simulation's seconds.
    const canaryRequests = step?.releases[1]?.requests ?? Infinity;
    times.push(Math.round((canaryRequests / ((Number(weight.slice(0, -1)) / 100) * RPS)) * 100) / 100);
    wall.push((step?.ms ?? 0) / 1000);
  }
  const m = median(times);
  console.log(`# +5 pp errors at ${weight}: time to verdict ${times.join(', ')} s of traffic at ${RPS} req/s (wall ${wall.join(', ')} s), median ${m} s, limit ${1.5 * before} s`);
  assert.ok(m <= 1.5 * before, `+5 pp at ${weight}: median ${m} s over ${RUNS} runs (${times.join(', ')}), limit ${1.5 * before} s`);
}

async function slowTail(p: Project): Promise<void> {
  // The simulation's median is 44 s of traffic at 100 req/s; 4 minutes leave room for a slower machine.
  await configure(p, 'busybox', '{ steps: [25%, 50%], minHold: 1s, minRequests: 1000000, lowTraffic: hold, maxHold: 4m, bake: 1s, warmup: 1s, sticky: none }');
  await writeApp(p, 'slow', 9);
  const d = await deploy(p);
  assert.equal(d.code, 3, d.text);
  const [step, ...rest] = d.result.report.canary;
  assert.equal(rest.length, 0);
  assert.equal(step?.outcome, 'rollback');
  assert.match(d.result.reason ?? '', /: p9[59]: /);
  const requests = (step?.releases ?? []).reduce((sum, r) => sum + r.requests, 0);
  console.log(`# 5 % of requests +200 ms at 25 %: rolled back after ${requests / RPS} s of traffic at ${RPS} req/s (wall ${(step?.ms ?? 0) / 1000} s): ${d.result.reason}`);
}

// Two phases, each running its servers side by side to keep the file within a few minutes.
describe('an unchanged release under steady load: 20 promotions out of 20 (10 in a row on busybox httpd CGI, 10 on python http.server)', { concurrency: true }, () => {
  test('busybox httpd CGI: 10 in a row', { timeout: 600_000 }, (t) => promoteUnchanged('busybox', 10, t.signal));
  test('python http.server: 10 in a row', { timeout: 600_000 }, (t) => promoteUnchanged('python', 10, t.signal));
});

describe('still caught: +5 pp errors at the first step, +200 ms on 5 % of requests at 25 % (busybox httpd CGI)', { concurrency: 2 }, () => {
  for (const [weight, before] of [['5%', 17], ['10%', 10], ['25%', 6]] as const) {
    test(`+5 pp errors at ${weight}`, { timeout: 600_000 }, (t) => withProject('busybox', RPS, t.signal, (p) => errorVerdicts(p, weight, before)));
  }
  // maxHold is 4 min (slowTail): the test's own deadline leaves room for setup beside the error tests.
  test('5 % of requests +200 ms at 25 %', { timeout: 390_000 }, (t) => withProject('busybox', RPS, t.signal, slowTail));
});
