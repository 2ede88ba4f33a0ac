import { spawn } from 'node:child_process';

export interface Captured {
  /** Exit code; -1 when the command could not be started (e.g. not installed). */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs argv (never through a shell) and collects its output; never rejects. */
export function runCapture(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Captured> {
  const [file = '', ...args] = argv;
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.once('error', (error) => resolve({ code: -1, stdout: '', stderr: error.message }));
    child.once('close', (code) => {
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}
