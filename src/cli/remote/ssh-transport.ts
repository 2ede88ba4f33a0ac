import { spawn, type ChildProcess } from 'node:child_process';
import { Duplex } from 'node:stream';
import { SlipwayError } from '../../errors.js';
import { shellJoin } from '../../lib/shell-quote.js';
import type { ApiTransport } from '../../api/client.js';
import type { SshHost } from './ssh-url.js';
import { VERSION } from '../../version.js';

/** How ssh is run: SLIPWAY_SSH_COMMAND (split on spaces, like GIT_SSH_COMMAND without a shell), else `ssh`. */
export function sshCommandOf(environ: NodeJS.ProcessEnv): string[] {
  const words = (environ['SLIPWAY_SSH_COMMAND'] ?? 'ssh').split(/\s+/).filter((w) => w !== '');
  return words.length > 0 ? words : ['ssh'];
}

/** The slipway command on the server: SLIPWAY_REMOTE_COMMAND (split on spaces), else `slipway` from its PATH. */
export function remoteCommandOf(environ: NodeJS.ProcessEnv): string[] {
  const words = (environ['SLIPWAY_REMOTE_COMMAND'] ?? 'slipway').split(/\s+/).filter((w) => w !== '');
  return words.length > 0 ? words : ['slipway'];
}

export interface SshOptions {
  readonly host: SshHost;
  readonly environ: NodeJS.ProcessEnv;
  /** --state-dir given on the command line: the server's state dir (else the server's default). */
  readonly stateDir: string | undefined;
}

/**
 * argv of ssh running `slipway <args>` on the server. BatchMode: never a password or a host-key
 * prompt (an unknown or changed host key fails, as the user's known_hosts decides); the
 * command is one string for the server's shell, each word quoted.
 */
export function sshArgv(o: SshOptions, args: readonly string[]): string[] {
  const [ssh = 'ssh', ...own] = sshCommandOf(o.environ);
  const remote = [...remoteCommandOf(o.environ), ...args, ...(o.stateDir !== undefined ? ['--state-dir', o.stateDir] : [])];
  return [
    ssh,
    ...own,
    '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=10',
    '-o', 'LogLevel=ERROR',
    ...(o.host.port !== undefined ? ['-p', String(o.host.port)] : []),
    ...(o.host.user !== undefined ? ['-l', o.host.user] : []),
    '--',
    o.host.host,
    shellJoin(remote),
  ];
}

/** What ssh's exit and stderr say, as a coded error (undefined: ssh itself did not fail). */
export function sshFailure(host: SshHost, code: number | null, stderr: string): SlipwayError | undefined {
  const said = stderr.trim().split('\n').filter((l) => l.trim() !== '').slice(-3).join(' | ');
  const where = host.url;
  if (code === 127) {
    return new SlipwayError('SLW_SSH_REMOTE_COMMAND', `${where} has no slipway to run (ssh said: ${said || `exit ${code}`}).`, { details: { host: where } });
  }
  if (code !== 255) return undefined;
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known|host key .* differs/i.test(stderr)) {
    return new SlipwayError('SLW_SSH_HOST_KEY', `The host key of ${where} is not the one known_hosts holds for it (ssh said: ${said}).`, { details: { host: where } });
  }
  if (/Permission denied|Too many authentication failures|no mutual signature|Authentication failed/i.test(stderr)) {
    return new SlipwayError('SLW_SSH_AUTH', `${where} refused the login (ssh said: ${said}).`, { details: { host: where } });
  }
  if (/Connection refused|timed out|No route to host|Could not resolve hostname|Network is unreachable|Connection closed|Connection reset/i.test(stderr)) {
    return new SlipwayError('SLW_SSH_UNREACHABLE', `Could not reach ${where} over SSH (ssh said: ${said}).`, { details: { host: where } });
  }
  return new SlipwayError('SLW_SSH_FAILED', `ssh to ${where} failed (ssh said: ${said || 'nothing'}).`, { details: { host: where } });
}

/** Runs ssh once; collects its stderr (bounded) for sshFailure. */
export function spawnSsh(o: SshOptions, args: readonly string[]): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const [file = 'ssh', ...rest] = sshArgv(o, args);
  const child = spawn(file, rest, { stdio: ['pipe', 'pipe', 'pipe'] });
  // ssh that exits early (unreachable, refused) closes its stdin: the exit code and stderr say
  // why, so a write into the closed pipe (EPIPE) is not an error of its own.
  child.stdin?.on('error', () => undefined);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (stderr.length < 16_384) stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (err: NodeJS.ErrnoException) => {
      stderr += `\n${err.code === 'ENOENT' ? `${file}: command not found on this machine` : err.message}`;
      resolve(255);
    });
    // Its exit and the end of its stderr (read to the end: sshFailure needs it), not 'close':
    // stdout may be left unread when the caller gave up on it, and 'close' would never come.
    let code: number | null | undefined;
    let stderrDone = false;
    const settle = (): void => {
      if (code !== undefined && stderrDone) resolve(code);
    };
    child.on('exit', (c) => {
      code = c;
      settle();
    });
    child.stderr?.on('close', () => {
      stderrDone = true;
      settle();
    });
  });
  return { child, stderr: () => stderr, exited };
}

/**
 * The control API over SSH: each call runs `slipway api-stdio` on the server, which joins its
 * stdin and stdout to the daemon's unix socket there; the HTTP exchange rides on ssh's pipes.
 */
export function sshTransport(o: SshOptions): ApiTransport {
  let last: ReturnType<typeof spawnSsh> | undefined;
  return {
    describe: `ssh ${o.host.url}`,
    connect: () => {
      last = spawnSsh(o, ['api-stdio', '--client-version', VERSION]);
      const { child } = last;
      // ssh's pipes as one socket-like stream for node:http.
      return Duplex.from({ readable: child.stdout!, writable: child.stdin! });
    },
    explain: async (err) => {
      if (!last) return err;
      const code = await last.exited;
      return sshFailure(o.host, code, last.stderr()) ?? remoteFailure(last.stderr()) ?? err;
    },
  };
}

/** api-stdio on the server prints a serialized SlipwayError on stderr when it cannot reach its daemon. */
export function remoteFailure(stderr: string): SlipwayError | undefined {
  const line = stderr.split('\n').reverse().find((l) => l.startsWith('{"ok":false'));
  if (!line) return undefined;
  try {
    return SlipwayError.fromJSON((JSON.parse(line) as { error: Parameters<typeof SlipwayError.fromJSON>[0] }).error);
  } catch {
    return new SlipwayError('SLW_SSH_FAILED', `The server answered with an error slipway could not read: ${line.slice(0, 200)}`);
  }
}
