/**
 * The daemon's process entry point: `node daemon/main.js --state-dir DIR [--config FILE] [--env NAME]`.
 * Prints one JSON line `{"ready":true,...}` on stdout once it serves its socket; exits 0 after a
 * requested stop, 1 on a startup failure (printed as a JSON error line).
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { toSlipwayError } from '../errors.js';
import { Daemon } from './daemon.js';

const { values } = parseArgs({
  options: {
    'state-dir': { type: 'string' },
    config: { type: 'string' },
    env: { type: 'string' },
  },
  strict: true,
});

const stateDir = values['state-dir'];
if (!stateDir) {
  process.stderr.write('daemon: --state-dir is required\n');
  process.exit(2);
}

const daemon = new Daemon({
  stateDir: resolve(stateDir),
  configFile: values.config ? resolve(values.config) : undefined,
  env: values.env,
  environ: process.env,
});

async function shutdown(keepApps: boolean, code: number): Promise<void> {
  try {
    await daemon.stop(keepApps);
  } finally {
    process.exit(code);
  }
}

daemon.onStopRequested = (keepApps) => void shutdown(keepApps, 0);
// A signal stops the control plane only: the proxy and the apps keep serving (invariant 1).
process.on('SIGTERM', () => void shutdown(true, 0));
process.on('SIGINT', () => void shutdown(true, 0));

try {
  await daemon.start();
  process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid, socket: daemon.socketPath, admin: daemon.adminAddress, dashboard: daemon.dashboard.address, warnings: daemon.warnings })}\n`);
} catch (err) {
  process.stdout.write(`${JSON.stringify({ ready: false, error: toSlipwayError(err).toJSON() })}\n`);
  await daemon.stop(true).catch(() => undefined);
  process.exit(1);
}
