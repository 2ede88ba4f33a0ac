import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { DAEMON_SOCKET } from '../../api/socket.js';
import { PROJECT_NAME_PATTERN } from '../../config/project-name.js';
import { SlipwayError, toSlipwayError } from '../../errors.js';
import type { CommandSpec } from '../command-spec.js';
import type { CliContext } from '../context.js';
import { EXIT, exitCodeFor } from '../exit-codes.js';
import { VERSION } from '../../version.js';

/**
 * The CLI at the other end of ssh names its version; the API's schemas are checked at both ends,
 * so only the same version is taken (one rule, no table of compatible pairs to get wrong).
 */
function checkClientVersion(client: unknown): void {
  if (typeof client !== 'string') {
    throw new SlipwayError('SLW_SSH_VERSION_MISMATCH', `The CLI that called this server did not say its version (this server runs slipway ${VERSION}).`);
  }
  if (client !== VERSION) {
    throw new SlipwayError('SLW_SSH_VERSION_MISMATCH', `This machine runs slipway ${client}, the server runs slipway ${VERSION}.`, { details: { client, server: VERSION } });
  }
}

/** The server's end of `--host ssh://…`: stdin and stdout joined to the daemon's socket. */
function bridge(ctx: CliContext): Promise<number> {
  const socketPath = join(ctx.stateDir, DAEMON_SOCKET);
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    socket.on('connect', () => {
      process.stdin.pipe(socket);
      socket.pipe(process.stdout);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
        reject(new SlipwayError('SLW_DAEMON_UNREACHABLE', `No slipway daemon answers on ${socketPath} on this server.`, {
          cause: err,
          hint: 'Start it on the server (`slipway service install`, or `slipway daemon --detach` there), and give --state-dir when it is not the server\'s default.',
        }));
      } else reject(err);
    });
    socket.on('close', () => {
      // The daemon answered and closed: stop reading ssh's stdin, so this process ends now.
      process.stdin.unpipe(socket);
      process.stdin.destroy();
      resolve(EXIT.ok);
    });
  });
}

/** Extracts a source snapshot (tar on stdin) into <state>/uploads/NAME, replacing the last one. */
async function upload(ctx: CliContext, name: string): Promise<number> {
  if (!PROJECT_NAME_PATTERN.test(name)) throw new SlipwayError('SLW_USAGE', `--upload takes a project name, not "${name}".`);
  const root = join(ctx.stateDir, 'uploads');
  await mkdir(root, { recursive: true, mode: 0o700 });
  const fresh = await mkdtemp(join(root, `.${name}-`));
  try {
    const tar = spawn('tar', ['-x', '--no-same-owner', '-C', fresh, '-f', '-'], { stdio: ['inherit', 'ignore', 'pipe'] });
    let stderr = '';
    tar.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const code = await new Promise<number | null>((resolve, reject) => tar.on('error', reject).on('close', resolve));
    if (code !== 0) throw new SlipwayError('SLW_SSH_FAILED', `The source snapshot did not unpack on the server: ${stderr.trim() || `tar exited ${code}`}.`);
    const dir = join(root, name);
    const old = `${fresh}.old`;
    await rename(dir, old).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await rename(fresh, dir);
    await rm(old, { recursive: true, force: true });
    ctx.out(JSON.stringify({ ok: true, dir }));
    return EXIT.ok;
  } catch (err) {
    await rm(fresh, { recursive: true, force: true });
    throw err;
  }
}

export const apiStdioCommands: CommandSpec[] = [
  {
    name: 'api-stdio',
    summary: 'join stdin and stdout to this host\'s daemon (what `--host ssh://…` runs on the server)',
    args: [],
    options: [
      { name: 'upload', type: 'string', description: 'instead: unpack a source snapshot (tar on stdin) for project NAME, print where' },
      { name: 'client-version', type: 'string', description: 'the calling CLI\'s version; another than this server\'s is refused' },
    ],
    run: async (ctx, input) => {
      const name = input.options['upload'];
      try {
        checkClientVersion(input.options['client-version']);
        return await (typeof name === 'string' ? upload(ctx, name) : bridge(ctx));
      } catch (err) {
        // stdout is the protocol: the error goes to stderr as one JSON line, which the CLI at the
        // other end of ssh turns back into the same coded error.
        const error = toSlipwayError(err);
        process.stderr.write(`${JSON.stringify({ ok: false, error: error.toJSON() })}\n`);
        return exitCodeFor(error);
      }
    },
  },
];
