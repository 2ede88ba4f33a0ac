import { GLOBAL_OPTIONS, type CommandSpec, type OptionSpec } from './command-spec.js';

function optionLines(options: readonly OptionSpec[]): string[] {
  return options.map((o) => `  --${o.name}${o.type === 'string' ? ' <value>' : ''}`.padEnd(28) + o.description);
}

export function usageOf(command: CommandSpec): string {
  const args = command.args.map((a) => (a.required ? `<${a.name}>` : `[${a.name}]`)).join(' ');
  return `slipway ${command.name}${args ? ` ${args}` : ''}`;
}

/** Help generated from the command table. */
export function renderHelp(commands: readonly CommandSpec[], command?: CommandSpec): string {
  if (command) {
    return [
      `Usage: ${usageOf(command)} [options]`,
      '',
      command.summary,
      ...(command.args.length ? ['', 'Arguments:', ...command.args.map((a) => `  ${a.name}`.padEnd(28) + a.description)] : []),
      ...(command.options.length ? ['', 'Options:', ...optionLines(command.options)] : []),
      '',
      'Global options:',
      ...optionLines(GLOBAL_OPTIONS),
    ].join('\n');
  }
  return [
    'slipway: zero-downtime deploys of any web app to your own servers, from one validated file.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${usageOf(c).slice('slipway '.length)}`.padEnd(34) + c.summary),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Run `slipway <command> --help` for a command\'s options.',
  ].join('\n');
}
