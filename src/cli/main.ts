/** The CLI's entry point: the only place that prints errors and sets the exit code. */
import { SlipwayError, toSlipwayError } from '../errors.js';
import { VERSION } from '../version.js';
import { allCommands, commandsFor } from './command-groups.js';
import { GLOBAL_OPTIONS, type CommandSpec } from './command-spec.js';
import { createContext } from './context.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { parse } from './parse.js';

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
    const commands = [...(await allCommands()), versionCommand, helpCommand];
    const wanted = input.args['command'];
    const command = wanted === undefined ? undefined : commands.find((c) => c.name === wanted || c.name.startsWith(`${wanted} `));
    if (wanted !== undefined && !command) throw new SlipwayError('SLW_USAGE', `Unknown command "${wanted}".`);
    const { renderHelp } = await import('./help.js');
    ctx.out(renderHelp(commands, command));
    return EXIT.ok;
  },
};

/** The first positional word of argv (global options and their values skipped). */
function firstWord(argv: readonly string[]): string | undefined {
  const takesValue = new Set(GLOBAL_OPTIONS.filter((o) => o.type === 'string').map((o) => `--${o.name}`));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') return argv[i + 1];
    if (!arg.startsWith('-')) return arg;
    if (takesValue.has(arg)) i++;
  }
  return undefined;
}

/**
 * The commands to parse argv against: only the module that declares its first word (so
 * `status` loads no other command's code), or all of them for help and unknown words.
 */
async function commandsOf(argv: readonly string[]): Promise<CommandSpec[]> {
  const word = firstWord(argv);
  if (word === 'version') return [versionCommand, helpCommand];
  const own = argv.includes('--help') ? undefined : await commandsFor(word);
  return [...(own ?? (await allCommands())), versionCommand, helpCommand];
}

async function main(argv: readonly string[]): Promise<number> {
  const wantsJson = argv.includes('--json');
  try {
    const commands = await commandsOf(argv);
    const { command, input, globals } = parse(argv, commands);
    if (!command || globals.help) {
      const { renderHelp } = await import('./help.js');
      process.stdout.write(`${renderHelp(commands, command)}\n`);
      return EXIT.ok;
    }
    const ctx = await createContext(globals, process.cwd(), process.env);
    if (ctx.remote) {
      const { onServer } = await import('./remote/on-server.js');
      const ran = await onServer(ctx, command.name, argv);
      if (ran.exitCode !== undefined) return ran.exitCode;
      return await command.run(ran.ctx, input);
    }
    return await command.run(ctx, input);
  } catch (err) {
    const error = toSlipwayError(err);
    if (wantsJson) process.stdout.write(`${JSON.stringify({ ok: false, error: error.toJSON() })}\n`);
    else process.stderr.write(`${(await import('./render/error.js')).renderError(error)}\n`);
    return exitCodeFor(error);
  }
}

process.exitCode = await main(process.argv.slice(2));
