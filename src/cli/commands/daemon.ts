import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SlipwayError } from '../../errors.js';
import { entryArgv, nodeFlagsOf } from '../../lib/entry-points.js';
import type { CommandSpec } from '../command-spec.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';

const READY_TIMEOUT_MS = 20_000;

/** node flags, the daemon entry point and its options (also the ExecStart of `slipway service install`). */
export function daemonArgs(ctx: CliContext): string[] {
  nodeFlagsOf('proxy'); // a bad SLIPWAY_PROXY_NODE_FLAGS is refused here, before the daemon starts
  return [...entryArgv('daemon', ['--state-dir', ctx.stateDir, '--config', ctx.configFile, ...(ctx.env ? ['--env', ctx.env] : [])])];
}

async function foreground(ctx: CliContext): Promise<number> {
  const child = spawn(process.execPath, daemonArgs(ctx), { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? EXIT.internal)));
}

async function detached(ctx: CliContext): Promise<number> {
  mkdirSync(join(ctx.stateDir, 'logs'), { recursive: true, mode: 0o700 });
  const logFile = join(ctx.stateDir, 'logs', 'daemon.log');
  const fd = openSync(logFile, 'a', 0o600);
  const child = spawn(process.execPath, daemonArgs(ctx), { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.unref();
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited !== undefined) break;
    if (await ctx.api.ping().catch(() => false)) {
      if (ctx.json) ctx.out(JSON.stringify({ ok: true, pid: child.pid, stateDir: ctx.stateDir, log: logFile }));
      else ctx.out(`daemon started (pid ${child.pid}), state in ${ctx.stateDir}, log in ${logFile}`);
      return EXIT.ok;
    }
    await sleep(50);
  }
  const last = readFileSync(logFile, 'utf8').trim().split('\n').reverse().find((l) => l.startsWith('{"ready":false'));
  if (last) {
    const parsed = JSON.parse(last) as { error: { code: string; message: string; hint: string } };
    throw SlipwayError.fromJSON(parsed.error);
  }
  throw new SlipwayError('SLW_DAEMON_UNREACHABLE', `The daemon did not become ready within ${READY_TIMEOUT_MS / 1000}s.`, {
    hint: `Read ${logFile} for what went wrong.`,
  });
}

export const daemonCommand: CommandSpec = {
  name: 'daemon',
  summary: 'start the control plane and the proxy (foreground; --detach to run in the background)',
  args: [],
  options: [{ name: 'detach', type: 'boolean', description: 'run in the background and return once it is ready' }],
  run: (ctx, input) => (input.options['detach'] === true ? detached(ctx) : foreground(ctx)),
};

export const daemonReloadCommand: CommandSpec = {
  name: 'daemon reload',
  summary: 'apply changed daemon-level settings (admin, alerts, backups) of the daemon\'s config without a restart',
  args: [],
  options: [],
  run: async (ctx) => {
    const r = await ctx.api.call('daemon.reload', {});
    if (ctx.json) {
      ctx.out(JSON.stringify(r));
      return EXIT.ok;
    }
    ctx.out(r.applied.length > 0 ? `applied: ${r.applied.join(', ')}${r.admin ? ` (admin on ${r.admin})` : ''}` : 'nothing changed: the daemon already runs with these settings');
    if (r.applied.includes('backups')) ctx.out(r.backupJobs.length > 0 ? `backup schedule: ${r.backupJobs.join(', ')}` : 'backup schedule: off');
    for (const w of r.warnings) ctx.err(`warning: ${w}`);
    return EXIT.ok;
  },
};
