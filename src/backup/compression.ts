import type { Duplex } from 'node:stream';
import { constants, createBrotliCompress, createBrotliDecompress, createGunzip, createGzip } from 'node:zlib';
import { spawnStage, stageDuplex, type ChildStage } from './child-stage.js';
import { findOnPath, toolVersion } from './tools.js';
import { SlipwayError } from '../errors.js';

/** How an object's data is compressed; recorded in its manifest. */
export type Codec = 'zstd' | 'brotli' | 'gzip' | 'none';

export const CODECS: readonly Codec[] = ['zstd', 'brotli', 'gzip', 'none'];

/** File name suffix of each codec, so a stored object says what to run on it. */
export const CODEC_SUFFIX: Record<Codec, string> = { zstd: '.zst', brotli: '.br', gzip: '.gz', none: '' };

/** A stream stage, and the process behind it when there is one. */
export interface CodecStage {
  readonly stream: Duplex;
  readonly child?: ChildStage;
}

/** zstd when its binary is installed (fast, multi-threaded, outside Node's thread), else brotli at quality 1. */
export function defaultCodec(env: NodeJS.ProcessEnv = process.env): Codec {
  return findOnPath('zstd', env) ? 'zstd' : 'brotli';
}

/** zstd level 3 (its default) keeps pace with pg_dump on one core and compresses far better than level 1 of gzip. */
const ZSTD_LEVEL = '-3';

export function compressStage(codec: Codec, env: NodeJS.ProcessEnv): CodecStage | undefined {
  switch (codec) {
    case 'zstd': {
      const child = spawnStage(['zstd', ZSTD_LEVEL, '-T0', '-q', '-c'], { env, stdin: 'pipe', failCode: 'SLW_BACKUP_PIPELINE_FAILED' });
      return { stream: stageDuplex(child), child };
    }
    case 'brotli':
      return { stream: createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 1 } }) };
    case 'gzip':
      return { stream: createGzip({ level: 1 }) };
    case 'none':
      return undefined;
  }
}

export function decompressStage(codec: Codec, env: NodeJS.ProcessEnv): CodecStage | undefined {
  switch (codec) {
    case 'zstd': {
      const child = spawnStage(['zstd', '-d', '-q', '-c'], { env, stdin: 'pipe', failCode: 'SLW_BACKUP_CORRUPT' });
      return { stream: stageDuplex(child), child };
    }
    case 'brotli':
      return { stream: createBrotliDecompress() };
    case 'gzip':
      return { stream: createGunzip() };
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
