/**
 * The proxy process: `node main.js --state-dir DIR [--upstream-timeout-ms N]`.
 * Prints nothing but JSON lines of lifecycle events on stderr (and a fatal startup error).
 */
import { parseArgs } from 'node:util';
import { SlipwayError, toSlipwayError } from '../errors.js';
import { ProxyEvents, type ProxyEventMap } from './events.js';
import { runProxy, type RunningProxy } from './run.js';

const LOGGED: ReadonlyArray<keyof ProxyEventMap> = [
  'listening',
  'listen-failed',
  'table-applied',
  'table-load-failed',
  'target-health',
  'target-drained',
  'shutdown',
];

function log(event: string, data: object): void {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), event, ...data })}\n`);
}

function parseOptions(): { stateDir: string; upstreamTimeoutMs: number | undefined } {
  const { values } = parseArgs({
    options: { 'state-dir': { type: 'string' }, 'upstream-timeout-ms': { type: 'string' } },
    strict: true,
  });
  const stateDir = values['state-dir'];
  if (!stateDir) throw new SlipwayError('SLW_USAGE', 'The proxy needs --state-dir DIR.');
  const timeout = values['upstream-timeout-ms'];
  const upstreamTimeoutMs = timeout === undefined ? undefined : Number(timeout);
  if (upstreamTimeoutMs !== undefined && !(Number.isInteger(upstreamTimeoutMs) && upstreamTimeoutMs > 0)) {
    throw new SlipwayError('SLW_USAGE', `--upstream-timeout-ms must be a positive integer, not "${timeout}".`);
  }
  return { stateDir, upstreamTimeoutMs };
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
  running = await runProxy({
    stateDir: options.stateDir,
    events,
    ...(options.upstreamTimeoutMs === undefined ? {} : { upstreamTimeoutMs: options.upstreamTimeoutMs }),
    onShutdownRequest: () => shutdown('control'),
  });
  log('started', { pid: process.pid, socket: running.paths.socket });
}

main().catch((err: unknown) => {
  const error = toSlipwayError(err);
  log('fatal', { error: error.toJSON() });
  process.exit(error.kind === 'user' ? 2 : 1);
});
