import { SlipwayError } from '../errors.js';

/** Characters that only a shell understands; a command containing any runs under `sh -c`. */
const SHELL_SYNTAX = /['"$`|&;<>()*?[\]{}~#\\\n]/;
/** A leading `VAR=value` assignment, as in `NODE_ENV=production node server.js`. */
const LEADING_ASSIGNMENT = /^\s*[A-Za-z_][A-Za-z0-9_]*=/;

/**
 * Turns a command string into argv. Plain commands are split on whitespace and run directly
 * (signals reach the app, no shell in between); shell syntax gets `['sh', '-c', command]`.
 */
export function toArgv(command: string): string[] {
  if (command.trim() === '') {
    throw new SlipwayError('SLW_CONFIG_BAD_COMMAND', 'The command is empty.');
  }
  if (needsShell(command)) return ['sh', '-c', command];
  return command.trim().split(/\s+/);
}

/** True when toArgv would run the command through `sh -c`. */
export function needsShell(command: string): boolean {
  return SHELL_SYNTAX.test(command) || LEADING_ASSIGNMENT.test(command);
}
