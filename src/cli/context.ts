import { join } from 'node:path';
import { ApiClient } from '../api/client.js';
import { DAEMON_SOCKET } from '../api/socket.js';
import { resolvePaths } from '../config/paths.js';
import type { SshOptions } from './remote/ssh-transport.js';

/** What every command gets: resolved paths, output mode, the API client, and writers. */
export interface CliContext {
  readonly configFile: string;
  readonly stateDir: string;
  readonly env: string | undefined;
  /** Which project on the host a command is about: --project, else the one deployed from the config file. */
  readonly scope: { readonly configFile: string; readonly project?: string };
  readonly json: boolean;
  readonly cwd: string;
  readonly api: ApiClient;
  /** --host / SLIPWAY_HOST: the server whose daemon `api` reaches over SSH (undefined: this machine's). */
  readonly remote: SshOptions | undefined;
  out(text: string): void;
  err(text: string): void;
}

export interface GlobalFlags {
  readonly config?: string | undefined;
  readonly stateDir?: string | undefined;
  readonly env?: string | undefined;
  readonly project?: string | undefined;
  readonly host?: string | undefined;
  readonly json?: boolean | undefined;
}

/**
 * The context of one command. The SSH modules load only with --host / SLIPWAY_HOST: a command on
 * this machine's daemon reaches its request sooner without them (BENCHMARKS.md, "Container
 * deploy overhead").
 */
export async function createContext(flags: GlobalFlags, cwd: string, environ: NodeJS.ProcessEnv): Promise<CliContext> {
  const { configFile, stateDir } = resolvePaths({
    ...(flags.config !== undefined ? { config: flags.config } : {}),
    ...(flags.stateDir !== undefined ? { stateDir: flags.stateDir } : {}),
    cwd,
    environ,
  });
  const hostText = flags.host ?? environ['SLIPWAY_HOST'];
  const remote = hostText === undefined || hostText === '' ? undefined : (await import('./remote/remote-host.js')).remoteOf(flags.host, flags.stateDir, environ);
  const transport = remote ? (await import('./remote/ssh-transport.js')).sshTransport(remote) : undefined;
  return {
    configFile,
    stateDir,
    env: flags.env,
    scope: { configFile, ...(flags.project === undefined ? {} : { project: flags.project }) },
    json: flags.json ?? false,
    cwd,
    api: new ApiClient(transport ?? join(stateDir, DAEMON_SOCKET)),
    remote,
    out: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  };
}
