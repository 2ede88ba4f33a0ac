/** The CLI's entry point: the only place that prints errors and sets the exit code. */
import { SlipwayError, toSlipwayError } from '../errors.js';
import { VERSION } from '../version.js';
import type { CommandSpec } from './command-spec.js';
import { alertsCommands } from './commands/alerts.js';
import { backupCommands } from './commands/backup.js';
import { canaryCommands } from './commands/canary.js';
import { certsCommands } from './commands/certs.js';
import { daemonCommand } from './commands/daemon.js';
import { exportCommands } from './commands/export.js';
import { localCommands } from './commands/local.js';
import { planCommands } from './commands/plan.js';
import { proxyCommands } from './commands/proxy.js';
import { remoteCommands } from './commands/remote.js';
import { secretsCommands } from './commands/secrets.js';
import { createContext } from './context.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { renderHelp } from './help.js';
import { parse } from './parse.js';
import { renderError } from './render/error.js';

const versionCommand: CommandSpec = {
  name: 'version',
  summary: 'print the slipway version',
  args: [],
  options: [],
  run: async (ctx) => {
    ctx.out(ctx.json ? JSON.stringify({ ok: true, version: VERSION }) : VERSION);
    return EXIT.ok;
  },
};

const helpCommand: CommandSpec = {
  name: 'help',
  summary: 'show the commands, or one command\'s options',
  args: [{ name: 'command', required: false, description: 'a command name' }],
  options: [],
  run: async (ctx, input) => {
    const wanted = input.args['command'];
    const command = wanted === undefined ? undefined : commands.find((c) => c.name === wanted || c.name.startsWith(`${wanted} `));
    if (wanted !== undefined && !command) throw new SlipwayError('SLW_USAGE', `Unknown command "${wanted}".`);
    ctx.out(renderHelp(commands, command));
    return EXIT.ok;
  },
};

const commands: CommandSpec[] = [...localCommands, daemonCommand, ...remoteCommands, ...canaryCommands, ...alertsCommands, ...backupCommands, ...certsCommands, ...exportCommands, ...secretsCommands, ...planCommands, ...proxyCommands, versionCommand, helpCommand];

async function main(argv: readonly string[]): Promise<number> {
  const wantsJson = argv.includes('--json');
  try {
    const { command, input, globals } = parse(argv, commands);
    if (!command || globals.help) {
      process.stdout.write(`${renderHelp(commands, command)}\n`);
      return EXIT.ok;
    }
    const ctx = createContext(globals, process.cwd(), process.env);
    return await command.run(ctx, input);
  } catch (err) {
    const error = toSlipwayError(err);
    if (wantsJson) process.stdout.write(`${JSON.stringify({ ok: false, error: error.toJSON() })}\n`);
    else process.stderr.write(`${renderError(error)}\n`);
    return exitCodeFor(error);
  }
}

process.exitCode = await main(process.argv.slice(2));
