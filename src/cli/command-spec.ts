import type { CliContext } from './context.js';

export interface OptionSpec {
  readonly name: string;
  readonly type: 'boolean' | 'string';
  readonly description: string;
  /** A string option that may be repeated: its values are in ParsedInput.lists (options holds the last). */
  readonly multiple?: boolean;
}

export interface ArgSpec {
  readonly name: string;
  readonly required: boolean;
  readonly description: string;
}

export interface ParsedInput {
  readonly args: Readonly<Record<string, string | undefined>>;
  readonly options: Readonly<Record<string, string | boolean | undefined>>;
  /** Every value of the options declared `multiple`, in order. */
  readonly lists?: Readonly<Record<string, readonly string[]>>;
}

/** A command, declared as data: help and parsing are generated from it. */
export interface CommandSpec {
  /** "deploy", or "lock status" for noun-verb commands. */
  readonly name: string;
  readonly summary: string;
  readonly args: readonly ArgSpec[];
  readonly options: readonly OptionSpec[];
  /** Runs the command; returns the exit code. */
  readonly run: (ctx: CliContext, input: ParsedInput) => Promise<number>;
}

export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'config', type: 'string', description: 'config file (default ./slipway.yaml)' },
  { name: 'state-dir', type: 'string', description: 'state directory (default .slipway/ beside the config; also SLIPWAY_STATE_DIR)' },
  { name: 'env', type: 'string', description: 'environment overlay to apply (e.g. staging)' },
  { name: 'project', type: 'string', description: 'the project on the host (default: the one deployed from the config file; `slipway projects` lists them)' },
  { name: 'host', type: 'string', description: 'the server whose daemon to use, ssh://user@server[:port] (also SLIPWAY_HOST); --state-dir is then the server\'s' },
  { name: 'json', type: 'boolean', description: 'print machine-readable JSON' },
  { name: 'help', type: 'boolean', description: 'show help' },
];
