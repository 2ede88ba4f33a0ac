// A real S3-compatible server for tests: the npm `s3rver` in its own process (see
// s3rver-main.cjs), on 127.0.0.1 and a port the kernel picks, over a temp directory; stopped by pid.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('./s3rver-main.cjs', import.meta.url));

/** s3rver's fixed credentials. */
export const S3RVER_ACCESS_KEY = 'S3RVER';
export const S3RVER_SECRET_KEY = 'S3RVER';

export interface S3rver {
  readonly endpoint: string;
  readonly pid: number;
  /** Where s3rver keeps its files. */
  readonly directory: string;
  /** The file s3rver stores an object's bytes in. */
  objectFile(bucket: string, key: string): string;
  /** Multipart parts s3rver stored so far (from its request log). */
  partsStored(): number;
  stop(): Promise<void>;
}

export async function startS3rver(buckets: readonly string[]): Promise<S3rver> {
  const directory = await mkdtemp(join(tmpdir(), 'slipway-s3rver-'));
  // Node 20's OpenSSL 3 refuses the MD4-era digest s3rver's listing uses without the legacy provider.
  const child = spawn(process.execPath, ['--openssl-legacy-provider', MAIN, directory, ...buckets], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, S3RVER_LOG: '1' },
  });
  const stderr: string[] = [];
  let log = '';
  child.stdout.on('data', (c: Buffer) => void (log += c.toString()));
  child.stderr.on('data', (c: Buffer) => stderr.push(c.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    await rm(directory, { recursive: true, force: true });
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`s3rver did not start in 10 s: ${stderr.join('')}`)), 10_000);
      const onData = (): void => {
        const line = log.split('\n')[0];
        if (!log.includes('\n') || !line) return;
        child.stdout.off('data', onData);
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      };
      child.stdout.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`s3rver exited (${code}): ${stderr.join('')}`));
      });
    });
    return {
      endpoint: `http://127.0.0.1:${port}`,
      pid: child.pid!,
      directory,
      objectFile: (bucket, key) => {
        const parts = key.split('/');
        const name = parts.pop()!;
        return join(directory, bucket, ...parts, `${name}._S3rver_object`);
      },
      partsStored: () => log.match(/Stored part \d+ of /g)?.length ?? 0,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
