/**
 * `slipway service install|uninstall`: the daemon as a systemd service (src/lib/systemd-unit.ts).
 * As root a system unit in /etc/systemd/system, else a user unit; `--unit-dir` writes elsewhere
 * and leaves systemctl alone (packaging, tests); `--dry-run` prints the unit and changes nothing.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SlipwayError } from '../../errors.js';
import { isPidAlive } from '../../lib/pid-alive.js';
import { renderUnit, UNIT_MARK } from '../../lib/systemd-unit.js';
import type { CommandSpec, OptionSpec } from '../command-spec.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { daemonArgs } from './daemon.js';

const NAME: OptionSpec = { name: 'name', type: 'string', description: 'unit name (default slipway): one per state directory' };
const UNIT_DIR: OptionSpec = { name: 'unit-dir', type: 'string', description: 'write the unit in this folder and do not call systemctl (packaging, tests)' };

interface Target {
  readonly name: string;
  readonly file: string;
  readonly user: boolean;
  /** systemctl is called (no --unit-dir given). */
  readonly manage: boolean;
}

function targetOf(input: Readonly<Record<string, string | boolean | undefined>>): Target {
  const name = typeof input['name'] === 'string' ? input['name'] : 'slipway';
  if (!/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,200}$/.test(name) || name.endsWith('.service')) {
    throw new SlipwayError('SLW_USAGE', `"${name}" is not a unit name slipway writes (letters, digits, _ . @ -; without .service).`);
  }
  const user = process.getuid?.() !== 0;
  const unitDir = typeof input['unit-dir'] === 'string' ? input['unit-dir'] : undefined;
  const dir = unitDir ?? (user ? join(process.env['XDG_CONFIG_HOME'] ?? join(homedir(), '.config'), 'systemd', 'user') : '/etc/systemd/system');
  return { name, file: join(dir, `${name}.service`), user, manage: unitDir === undefined };
}

function systemctl(target: Target, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('systemctl', [...(target.user ? ['--user'] : []), ...args], (err, stdout, stderr) => {
      if (!err) return resolve();
      reject(
        new SlipwayError('SLW_SERVICE_SYSTEMCTL_FAILED', `systemctl ${args.join(' ')} failed: ${(stderr || stdout || err.message).trim()}`, {
          details: { unit: target.file },
        }),
      );
    });
  });
}

/** A daemon already answering on this state directory (started by hand) stops first; its apps keep serving. */
async function handOver(ctx: CliContext): Promise<number | undefined> {
  if (!(await ctx.api.ping().catch(() => false))) return undefined;
  const { daemon } = await ctx.api.call('status', {});
  await ctx.api.call('stop', { keepApps: true });
  const deadline = Date.now() + 30_000;
  while (isPidAlive(daemon.pid) && Date.now() < deadline) await sleep(50);
  return daemon.pid;
}

async function ownUnit(file: string): Promise<boolean> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  return text !== undefined && text.startsWith(UNIT_MARK);
}

export const serviceCommands: CommandSpec[] = [
  {
    name: 'service install',
    summary: 'run the daemon as a systemd service: at boot, restarted on failure, apps kept serving through its restarts',
    args: [],
    options: [{ name: 'dry-run', type: 'boolean', description: 'print the unit; write and start nothing' }, NAME, UNIT_DIR],
    run: async (ctx, input) => {
      const target = targetOf(input.options);
      const unit = renderUnit({
        argv: [process.execPath, ...daemonArgs(ctx)],
        workingDirectory: dirname(ctx.configFile),
        user: target.user,
        description: `slipway daemon (${ctx.configFile})`,
      });
      if (input.options['dry-run'] === true) {
        ctx.out(ctx.json ? JSON.stringify({ ok: true, file: target.file, unit }) : unit);
        return EXIT.ok;
      }
      if (existsSync(target.file) && !(await ownUnit(target.file))) {
        throw new SlipwayError('SLW_SERVICE_EXISTS', `${target.file} exists and was not written by slipway; it was left as it is.`, {
          hint: 'Choose another unit name with --name, or remove that unit yourself.',
        });
      }
      await mkdir(dirname(target.file), { recursive: true });
      await writeFile(target.file, unit, { mode: 0o644 });
      const running = existsSync('/run/systemd/system');
      if (!target.manage || !running) {
        const how = `systemctl ${target.user ? '--user ' : ''}daemon-reload && systemctl ${target.user ? '--user ' : ''}enable --now ${target.name}`;
        const why = target.manage ? 'systemd is not running on this machine, so nothing was enabled' : 'with --unit-dir, systemctl is left to you';
        ctx.out(ctx.json ? JSON.stringify({ ok: true, file: target.file, enabled: false, next: how }) : `wrote ${target.file}; ${why}: ${how}`);
        return EXIT.ok;
      }
      const handedOver = await handOver(ctx);
      await systemctl(target, ['daemon-reload']);
      await systemctl(target, ['enable', '--now', `${target.name}.service`]);
      const linger = target.user ? ` For it to start at boot without a login: loginctl enable-linger ${process.env['USER'] ?? '$USER'}.` : '';
      if (ctx.json) ctx.out(JSON.stringify({ ok: true, file: target.file, enabled: true, ...(handedOver ? { handedOver } : {}) }));
      else ctx.out(`wrote ${target.file}; ${target.name} is enabled and running${handedOver ? ` (it took over from daemon pid ${handedOver}; the apps kept serving)` : ''}.${linger}`);
      return EXIT.ok;
    },
  },
  {
    name: 'service uninstall',
    summary: 'stop and disable the service and remove its unit (the apps keep serving; `slipway stop` stops them)',
    args: [],
    options: [NAME, UNIT_DIR],
    run: async (ctx, input) => {
      const target = targetOf(input.options);
      if (!existsSync(target.file)) throw new SlipwayError('SLW_SERVICE_NOT_INSTALLED', `There is no ${target.file}; nothing was changed.`);
      if (!(await ownUnit(target.file))) {
        throw new SlipwayError('SLW_SERVICE_EXISTS', `${target.file} was not written by slipway; it was left as it is.`, { hint: 'Remove that unit yourself if it is no longer wanted.' });
      }
      const running = existsSync('/run/systemd/system');
      if (target.manage && running) await systemctl(target, ['disable', '--now', `${target.name}.service`]);
      await rm(target.file);
      if (target.manage && running) await systemctl(target, ['daemon-reload']);
      ctx.out(ctx.json ? JSON.stringify({ ok: true, removed: target.file }) : `removed ${target.file}${target.manage && running ? `; ${target.name} is stopped and disabled (the apps keep serving)` : ''}`);
      return EXIT.ok;
    },
  },
];
