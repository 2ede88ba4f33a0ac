import { basename, join } from 'node:path';
import { projectNameOfFile } from '../../config/project-name.js';
import type { CliContext } from '../context.js';
import { uploadSource } from './remote-host.js';
import type { SshOptions } from './ssh-transport.js';

/**
 * Sends the project's folder to the server and returns the context a remote deploy runs with:
 * its config file is the copy on the server, so the daemon there builds from that snapshot.
 */
export async function sentForDeploy(ctx: CliContext, remote: SshOptions): Promise<CliContext> {
  const name = ctx.scope.project ?? (await projectNameOfFile(ctx.configFile));
  const dir = await uploadSource(remote, ctx.configFile, name);
  const configFile = join(dir, basename(ctx.configFile));
  return { ...ctx, configFile, scope: { configFile, project: name } };
}
