import { parseArgs } from 'node:util';
import { SlipwayError } from '../errors.js';
import { GLOBAL_OPTIONS, type CommandSpec, type ParsedInput } from './command-spec.js';

export interface Parsed {
  readonly command: CommandSpec | undefined;
  readonly input: ParsedInput;
  readonly globals: { config?: string; stateDir?: string; env?: string; project?: string; host?: string; json: boolean; help: boolean };
}

/** Finds the longest command name that prefixes argv's positionals, then parses its options. */
/** Positionals of argv, skipping the values of string options (`--config x.yaml`). */
function positionals(argv: readonly string[], commands: readonly CommandSpec[]): string[] {
  const all = [...GLOBAL_OPTIONS, ...commands.flatMap((c) => c.options)];
  const takesValue = new Set(all.filter((o) => o.type === 'string').map((o) => `--${o.name}`));
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      words.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('-')) {
      if (takesValue.has(arg)) i++;
      continue;
    }
    words.push(arg);
  }
  return words;
}

/** Finds the longest command name that prefixes argv's positionals, then parses its options. */
export function parse(argv: readonly string[], commands: readonly CommandSpec[]): Parsed {
  const words = positionals(argv, commands);
  const byLength = [...commands].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  const command = byLength.find((c) => c.name.split(' ').every((part, i) => words[i] === part));
  const options = [...GLOBAL_OPTIONS, ...(command?.options ?? [])];
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: Object.fromEntries(options.map((o) => [o.name, { type: o.type, ...(o.multiple ? { multiple: true } : {}) }])),
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new SlipwayError('SLW_USAGE', (err as Error).message.replace(/\. To specify.*$/s, '.'), { cause: err });
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const globals = {
    ...(typeof values['config'] === 'string' ? { config: values['config'] } : {}),
    ...(typeof values['state-dir'] === 'string' ? { stateDir: values['state-dir'] } : {}),
    ...(typeof values['env'] === 'string' ? { env: values['env'] } : {}),
    ...(typeof values['project'] === 'string' ? { project: values['project'] } : {}),
    ...(typeof values['host'] === 'string' ? { host: values['host'] } : {}),
    json: values['json'] === true,
    help: values['help'] === true,
  };
  if (!command) {
    if (words.length > 0 && !globals.help) {
      throw new SlipwayError('SLW_USAGE', `Unknown command "${words.join(' ')}".`);
    }
    return { command: undefined, input: { args: {}, options: {} }, globals };
  }
  const rest = parsed.positionals.slice(command.name.split(' ').length);
  if (rest.length > command.args.length) {
    throw new SlipwayError('SLW_USAGE', `Too many arguments for "${command.name}": ${rest.slice(command.args.length).join(' ')}.`);
  }
  const args: Record<string, string | undefined> = {};
  command.args.forEach((spec, i) => {
    args[spec.name] = rest[i];
    if (spec.required && rest[i] === undefined && !globals.help) {
      throw new SlipwayError('SLW_USAGE', `"${command.name}" needs <${spec.name}>: ${spec.description}.`);
    }
  });
  const own: Record<string, string | boolean | undefined> = {};
  const lists: Record<string, readonly string[]> = {};
  for (const o of command.options) {
    const value = values[o.name];
    if (Array.isArray(value)) {
      lists[o.name] = value;
      own[o.name] = value[value.length - 1];
    } else own[o.name] = value;
  }
  return { command, input: { args, options: own, lists }, globals };
}
