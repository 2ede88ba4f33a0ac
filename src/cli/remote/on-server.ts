import { existsSync } from 'node:fs';
import { projectNameOfFile } from '../../config/project-name.js';
import { SlipwayError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { forward, withoutHost } from './remote-host.js';

/** Commands that act on the server's own files, not through the control API: run whole on the server. */
const RUN_THERE = new Set(['secrets', 'daemon', 'service']);
/** Commands under those first words that are API calls after all. */
const THROUGH_API = new Set(['daemon reload']);
/** Commands that read or change only this machine. */
const RUN_HERE = new Set(['init', 'check', 'schema', 'help', 'version', 'api-stdio']);

/**
 * With --host: a command about the server's files runs whole on the server (exitCode); any other
 * gets a context whose scope names the project by name, since the config file's path is this
 * machine's (a deploy sends its folder first: see `deploy`).
 */
export async function onServer(ctx: CliContext, commandName: string, argv: readonly string[]): Promise<{ ctx: CliContext; exitCode?: number }> {
  const word = commandName.split(' ')[0] ?? '';
  if (RUN_HERE.has(word)) return { ctx };
  if (RUN_THERE.has(word) && !THROUGH_API.has(commandName)) {
    if (!ctx.remote) throw new SlipwayError('SLW_INTERNAL', 'onServer without a remote host.');
    return { ctx, exitCode: await forward({ ...ctx.remote, stateDir: undefined }, withoutHost(argv)) };
  }
  if (ctx.scope.project !== undefined || !existsSync(ctx.configFile)) return { ctx };
  return { ctx: { ...ctx, scope: { ...ctx.scope, project: await projectNameOfFile(ctx.configFile) } } };
}
