// `npm run demo`: a zero-downtime deploy and a rollback of examples/hello under load, in a
// temp dir, with a summary of what the clients saw. Exits non-zero if any request or step failed.
import { setTimeout as sleep } from 'node:timers/promises';
import { Load } from './load.js';
import { Sandbox, type CliRun } from './sandbox.js';

const HOST = 'hello.localhost';
const REPORT_HEAD = /^\S+: (deploy|rollback) /;

function config(port: number): string {
  return `version: 1
proxy:
  http: ${port}
  host: 127.0.0.1
services:
  web:
    source: ./app
    run: node server.js
    routes:
      - host: ${HOST}
    health: { path: /health, interval: 200ms, timeout: 1s, rise: 2, fall: 2, startTimeout: 20s }
    instances: 2
    drain: 5s
    keepWarm: 10m
    watch: 3s
    stopTimeout: 3s
`;
}

const say = (text = ''): void => void process.stdout.write(`${text}\n`);
const ms = (n: number | undefined): string => (n === undefined ? '?' : `${Math.round(n)}ms`);

/** Runs one CLI command, printing its step lines live and keeping its final report aside. */
async function step(box: Sandbox, title: string, args: string[]): Promise<CliRun & { report: string[] }> {
  say(`\n$ slipway ${args.join(' ')}    # ${title}`);
  const report: string[] = [];
  const run = await box.cli(args, (line) => {
    if (report.length > 0 || REPORT_HEAD.test(line)) report.push(line);
    else say(line ? `  ${line}` : '');
  });
  if (run.code !== 0) {
    for (const line of report) say(`  ${line}`);
    throw new Error(`\`slipway ${args.join(' ')}\` exited with ${run.code}: ${run.stderr.trim() || run.stdout.trim()}`);
  }
  return { ...run, report };
}

function switchedAfter(report: readonly string[]): string {
  return /traffic switched after (\S+)/.exec(report[0] ?? '')?.[1] ?? '?';
}

async function run(box: Sandbox, held: { load?: Load }): Promise<boolean> {
  say(`slipway demo: examples/hello copied to ${box.dir}, proxy on http://127.0.0.1:${box.port} (Host: ${HOST})`);
  await box.writeConfig(config(box.port));
  await box.setVersion('v1');
  await step(box, 'start the control plane and the proxy', ['daemon', '--detach']);
  await step(box, 'first deploy: v1', ['deploy']);

  const load = new Load({ port: box.port, host: HOST, rps: 200, slow: 3, slowMs: 2000 });
  held.load = load;
  say(`\nload: ~200 req/s of GET / plus 3 GET /slow?ms=2000 always in flight, through the proxy`);
  await sleep(1500);

  await box.setVersion('v2');
  const deployAt = performance.now();
  const deploy = await step(box, 'version.txt is now v2: deploy under load', ['deploy']);
  await step(box, 'what runs now', ['status']);
  const rollbackAt = performance.now();
  const rollback = await step(box, 'back to v1 (still warm)', ['rollback']);
  await sleep(1500);
  await load.stop();

  say('\nReports');
  for (const line of [...deploy.report, ...rollback.report]) say(`  ${line}`);

  const v2At = load.firstSeen('v2', deployAt);
  const v1At = load.firstSeen('v1', rollbackAt);
  say('\nSummary');
  say(`  requests served   ${load.served} in ${load.seconds().toFixed(1)}s (${load.rate().toFixed(0)} req/s), ${load.slowServed} of them 2-second requests`);
  say(`  failed requests   ${load.failures.length}`);
  for (const failure of load.failures.slice(0, 10)) say(`    ${failure}`);
  say(`  time to switch    ${switchedAfter(deploy.report)} (daemon: request → proxy on v2); clients saw v2 ${ms(v2At && v2At - deployAt)} after \`slipway deploy\` began`);
  say(`  rollback time     ${switchedAfter(rollback.report)} (daemon); \`slipway rollback\` took ${ms(rollback.ms)}; clients saw v1 ${ms(v1At && v1At - rollbackAt)} after it began`);
  const ok = load.failures.length === 0 && v2At !== undefined && v1At !== undefined && load.slowServed > 0;
  if (v2At === undefined || v1At === undefined) say('  ✗ the clients never saw the new version (or never saw the rollback)');
  return ok;
}

async function main(): Promise<number> {
  const box = await Sandbox.create();
  const held: { load?: Load } = {};
  let interrupted = false;
  const abort = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    say(`\n${signal}: stopping every process the demo started`);
    void box.destroy().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', abort);
  process.on('SIGTERM', abort);
  let ok = false;
  try {
    ok = await run(box, held);
  } catch (err) {
    if (interrupted) return new Promise(() => undefined); // abort() exits once everything is gone
    say(`\n✗ ${(err as Error).message}`);
  }
  await held.load?.stop();
  if (ok) {
    const stop = await box.cli(['stop']);
    if (stop.code !== 0) ok = false;
  }
  const killed = await box.destroy(ok ? 10_000 : 0);
  if (ok && killed > 0) say(`note: ${killed} process(es) still ran 10s after \`slipway stop\` and were killed`);
  say(ok ? '\n✓ demo passed: 0 failed requests' : '\n✗ demo failed');
  return ok ? 0 : 1;
}

process.exitCode = await main();
