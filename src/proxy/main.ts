/**
 * The proxy process: `node main.js --state-dir DIR [--upstream-timeout-ms N] [--takeover]`.
 * --takeover V: started by a running proxy serving table version V, for a restart (handoff.ts);
 * its sockets arrive over IPC.
 * Prints nothing but JSON lines of lifecycle events on stderr (and a fatal startup error).
 */
import { parseArgs } from 'node:util';
import { SlipwayError, toSlipwayError } from '../errors.js';
import { createLogger } from '../lib/logger.js';
import { ProxyEvents, type ProxyEventMap } from './events.js';
import { runProxy, type RunningProxy } from './run.js';
import { checkTakeoverTable, receiveTakeover } from './takeover.js';
import { proxyPaths } from './paths.js';
import type { NewToOld } from './handoff.js';

const LOGGED: ReadonlyArray<keyof ProxyEventMap> = [
  'listening',
  'listen-failed',
  'table-applied',
  'table-load-failed',
  'target-health',
  'target-drained',
  'shutdown',
  'access-log-failed',
];

/** JSON lines on stderr (the daemon sends them to logs/proxy.log): level, time, component, msg = the event. */
const logger = createLogger({ component: 'proxy', destination: 2 });
const FAILURES: ReadonlySet<string> = new Set(['listen-failed', 'table-load-failed', 'access-log-failed', 'fatal']);

function log(event: string, data: object): void {
  // Every line carries the process's pid already.
  const { pid: _pid, ...rest } = data as { pid?: unknown };
  (FAILURES.has(event) ? logger.error : logger.info)(event, { event, ...rest });
}

function parseOptions(): { stateDir: string; upstreamTimeoutMs: number | undefined; takeover: number | undefined } {
  const { values } = parseArgs({
    options: { 'state-dir': { type: 'string' }, 'upstream-timeout-ms': { type: 'string' }, takeover: { type: 'string' } },
    strict: true,
  });
  const stateDir = values['state-dir'];
  if (!stateDir) throw new SlipwayError('SLW_USAGE', 'The proxy needs --state-dir DIR.');
  const timeout = values['upstream-timeout-ms'];
  const upstreamTimeoutMs = timeout === undefined ? undefined : Number(timeout);
  if (upstreamTimeoutMs !== undefined && !(Number.isInteger(upstreamTimeoutMs) && upstreamTimeoutMs > 0)) {
    throw new SlipwayError('SLW_USAGE', `--upstream-timeout-ms must be a positive integer, not "${timeout}".`);
  }
  const takeover = values.takeover === undefined ? undefined : Number(values.takeover);
  if (takeover !== undefined && !(Number.isInteger(takeover) && takeover >= 0)) {
    throw new SlipwayError('SLW_USAGE', `--takeover takes the running table's version, not "${values.takeover}".`);
  }
  return { stateDir, upstreamTimeoutMs, takeover };
}

async function main(): Promise<void> {
  const events = new ProxyEvents();
  for (const name of LOGGED) events.on(name, (data: object) => log(name, data));
  let running: RunningProxy | undefined;
  const shutdown = (reason: string): void => {
    if (!running) process.exit(0);
    const graceMs = running.server.drainWindowMs();
    events.emit('shutdown', { reason, graceMs });
    running.stop(graceMs).then(
      () => process.exit(0),
      (err: unknown) => {
        log('fatal', { error: toSlipwayError(err).toJSON() });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => undefined);
  process.on('uncaughtException', (err) => {
    log('fatal', { error: toSlipwayError(err).toJSON(), stack: err.stack });
    process.exit(1);
  });
  const options = parseOptions();
  if (options.takeover !== undefined) await checkTakeoverTable(proxyPaths(options.stateDir).table, options.takeover);
  const takeover = options.takeover === undefined ? undefined : await receiveTakeover();
  const relaunchArgs = options.upstreamTimeoutMs === undefined ? [] : ['--upstream-timeout-ms', String(options.upstreamTimeoutMs)];
  running = await runProxy({
    stateDir: options.stateDir,
    events,
    ...(options.upstreamTimeoutMs === undefined ? {} : { upstreamTimeoutMs: options.upstreamTimeoutMs }),
    onShutdownRequest: () => shutdown('control'),
    ...(takeover ? { takeover } : {}),
    relaunchArgs,
    onRetired: () => {
      log('retired', { pid: process.pid });
      process.exit(0);
    },
  });
  log('started', { pid: process.pid, socket: running.paths.socket, ...(takeover ? { takeover: true, listeners: takeover.listeners.length } : {}) });
}

main().catch((err: unknown) => {
  const error = toSlipwayError(err);
  log('fatal', { error: error.toJSON() });
  const code = error.kind === 'user' ? 2 : 1;
  // Started for a restart: the running proxy reports why this one could not take over.
  if (process.send && process.connected) process.send({ type: 'failed', error: error.message } satisfies NewToOld, () => process.exit(code));
  else process.exit(code);
});
