import type { Duplex } from 'node:stream';
import { constants, createBrotliCompress, createBrotliDecompress, createGunzip, createGzip } from 'node:zlib';
import type { StageOptions } from './child-stage.js';
import { findOnPath, toolVersion } from './tools.js';
import { SlipwayError } from '../errors.js';

/** How an object's data is compressed; recorded in its manifest. */
export type Codec = 'zstd' | 'brotli' | 'gzip' | 'none';

export const CODECS: readonly Codec[] = ['zstd', 'brotli', 'gzip', 'none'];

/** File name suffix of each codec, so a stored object says what to run on it. */
export const CODEC_SUFFIX: Record<Codec, string> = { zstd: '.zst', brotli: '.br', gzip: '.gz', none: '' };

/** One step of an encoding pipeline: a process (chained fd to fd with its neighbours) or a stream in Node. */
export type CodecStep =
  | { readonly kind: 'process'; readonly argv: readonly string[]; readonly options: Omit<StageOptions, 'stdin'> }
  | { readonly kind: 'stream'; readonly stream: Duplex };

/** zstd when its binary is installed (fast, multi-threaded, outside Node's thread), else brotli at quality 1. */
export function defaultCodec(env: NodeJS.ProcessEnv = process.env): Codec {
  return findOnPath('zstd', env) ? 'zstd' : 'brotli';
}

/**
 * zstd level 1: on pg_dump archives as small as level 3 (and smaller than pg_dump's own gzip)
 * for about 30% less CPU, which on a small machine is what the backup's duration is made of.
 * `--fast` levels cost less still but make files 60–70% bigger. See docs/design.md.
 */
const ZSTD_LEVEL = '-1';

export function compressStep(codec: Codec, env: NodeJS.ProcessEnv): CodecStep | undefined {
  switch (codec) {
    case 'zstd':
      return { kind: 'process', argv: ['zstd', ZSTD_LEVEL, '-T0', '-q', '-c'], options: { env, failCode: 'SLW_BACKUP_PIPELINE_FAILED' } };
    case 'brotli':
      return { kind: 'stream', stream: createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 1 } }) };
    case 'gzip':
      return { kind: 'stream', stream: createGzip({ level: 1 }) };
    case 'none':
      return undefined;
  }
}

/**
 * zstd reading straight from a source process (no Node in between): `-vv` makes it report, on
 * stderr, exactly how many bytes it read (`(809123456 B => …`; zstd 1.4 writes `(… => … bytes`),
 * which is how the backup still learns the raw size and applies its sanity floor. `onRawBytes`
 * gets that count once zstd exited 0; an error it returns fails the backup. zstd not saying how
 * much it read fails the backup too.
 */
export function zstdCountingStep(env: NodeJS.ProcessEnv, onRawBytes: (bytes: number) => Error | undefined): Extract<CodecStep, { kind: 'process' }> {
  return {
    kind: 'process',
    argv: ['zstd', ZSTD_LEVEL, '-T0', '-vv', '--no-progress', '-c'],
    options: {
      env,
      failCode: 'SLW_BACKUP_PIPELINE_FAILED',
      checkExit: (stderr) => {
        const reported = [...stderr.matchAll(/\(\s*(\d+)(?: B)? =>\s*\d+(?: B| bytes)?,/g)].at(-1);
        if (!reported) return new SlipwayError('SLW_BACKUP_PIPELINE_FAILED', 'zstd did not report how many bytes it compressed.');
        return onRawBytes(Number(reported[1]));
      },
    },
  };
}

export function decompressStep(codec: Codec, env: NodeJS.ProcessEnv): CodecStep | undefined {
  switch (codec) {
    case 'zstd':
      return { kind: 'process', argv: ['zstd', '-d', '-q', '-c'], options: { env, failCode: 'SLW_BACKUP_CORRUPT' } };
    case 'brotli':
      return { kind: 'stream', stream: createBrotliDecompress() };
    case 'gzip':
      return { kind: 'stream', stream: createGunzip() };
    case 'none':
      return undefined;
  }
}

/** The version of what compresses, for the manifest. */
export async function codecVersion(codec: Codec, env: NodeJS.ProcessEnv): Promise<string> {
  switch (codec) {
    case 'zstd':
      return toolVersion(['zstd', '--version'], env);
    case 'brotli':
    case 'gzip':
      return `node:zlib ${process.versions.zlib ?? ''} (node ${process.versions.node})`.trim();
    case 'none':
      return 'none';
  }
}

/** Fails early, before anything runs, when the codec's program is missing. */
export function requireCodec(codec: Codec, env: NodeJS.ProcessEnv): void {
  if (codec === 'zstd' && !findOnPath('zstd', env)) {
    throw new SlipwayError('SLW_BACKUP_TOOL_MISSING', 'zstd is not installed, and this backup is compressed with zstd.', {
      hint: 'Install the zstd package (Debian: `apt-get install zstd`).',
    });
  }
}
