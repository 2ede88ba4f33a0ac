import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { SlipwayError } from '../../errors.js';
import { parseSshUrl } from './ssh-url.js';
import { VERSION } from '../../version.js';
import { remoteFailure, spawnSsh, sshArgv, sshFailure, type SshOptions } from './ssh-transport.js';

/** --host, else SLIPWAY_HOST: the server whose daemon every command talks to (undefined: this machine). */
export function remoteOf(host: string | undefined, stateDir: string | undefined, environ: NodeJS.ProcessEnv): SshOptions | undefined {
  const text = host ?? environ['SLIPWAY_HOST'];
  if (text === undefined || text === '') return undefined;
  return { host: parseSshUrl(text), environ, stateDir };
}

/** Files never sent with a source snapshot: state, dependencies installed here, git's own store. */
const NOT_SENT = ['.slipway', 'node_modules', '.git', '.venv', '__pycache__'];

/**
 * Sends the project's folder to the server (tar over ssh) as <server state>/uploads/NAME and
 * returns that folder's path there: a deploy then reads its config and source from it.
 */
export async function uploadSource(o: SshOptions, configFile: string, name: string): Promise<string> {
  const ssh = spawnSsh(o, ['api-stdio', '--upload', name, '--client-version', VERSION]);
  const tar = spawn('tar', ['-c', ...NOT_SENT.map((n) => `--exclude=./${n}`), '-C', dirname(configFile), '-f', '-', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let tarErr = '';
  tar.stderr.setEncoding('utf8').on('data', (c: string) => (tarErr += c));
  tar.stdout.pipe(ssh.child.stdin!);
  let out = '';
  ssh.child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  const tarDone = new Promise<number | null>((resolve) => {
    tar.on('error', () => resolve(-1));
    tar.on('exit', resolve);
  });
  const sshCode = await ssh.exited;
  // ssh gone before tar finished (refused, unreachable): nothing reads tar's output any more.
  if (sshCode !== 0) {
    tar.stdout.destroy();
    tar.kill();
  }
  const tarCode = await tarDone;
  const failed = sshFailure(o.host, sshCode, ssh.stderr());
  if (failed) throw failed;
  const remote = remoteFailure(ssh.stderr());
  if (remote) throw remote;
  if (tarCode !== 0) throw new SlipwayError('SLW_SSH_FAILED', `Packing ${dirname(configFile)} for ${o.host.url} failed: ${tarErr.trim() || `tar exited ${tarCode}`}.`);
  const answer = out.trim().split('\n').pop() ?? '';
  const dir = answer.startsWith('{') ? (JSON.parse(answer) as { dir?: unknown }).dir : undefined;
  if (typeof dir !== 'string' || sshCode !== 0) throw new SlipwayError('SLW_SSH_FAILED', `The upload to ${o.host.url} gave no folder (exit ${sshCode}).`);
  return dir;
}

/**
 * Runs a whole command on the server (its own output, stdin passed through): for the commands
 * that act on the server's files rather than through the control API (secrets, daemon, service).
 */
export async function forward(o: SshOptions, args: readonly string[]): Promise<number> {
  const [file = 'ssh', ...rest] = sshArgv(o, args);
  const child = spawn(file, rest, { stdio: ['inherit', 'inherit', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    if (stderr.length < 16_384) stderr += c;
    process.stderr.write(c);
  });
  const code = await new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(255));
    child.on('close', resolve);
  });
  const failed = sshFailure(o.host, code, stderr);
  if (failed) throw failed;
  return code ?? 1;
}

/** Options that name this machine's things: --host, and --config (a path on the laptop, not on the server). */
const LAPTOP_ONLY = ['--host', '--config'];

/** argv without the laptop-only options (the server runs the rest, with its own config). */
export function withoutHost(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (LAPTOP_ONLY.includes(arg)) i++;
    else if (!LAPTOP_ONLY.some((o) => arg.startsWith(`${o}=`))) out.push(arg);
  }
  return out;
}
