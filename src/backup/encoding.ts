import type { Stream } from 'node:stream';
import { ageLibraryVersion, decryptStream, encryptStream } from './age-adapter.js';
import { ageCliVersion, ageDecryptProcess, ageEncryptProcess, canDecryptWithAgeCli, hasAgeCli } from './age-cli.js';
import { spawnChain, spawnFedChain, type ChildStage } from './child-stage.js';
import { compressStep, decompressStep, zstdCountingStep, type Codec, type CodecStep } from './compression.js';

/** The middle of a backup or read-back pipeline: streams to chain, and the processes behind them. */
export interface Encoding {
  readonly streams: readonly Stream[];
  readonly children: readonly ChildStage[];
}

export interface EncodingOptions {
  readonly codec: Codec;
  readonly env: NodeJS.ProcessEnv;
  /** Use the `age` program (default: when installed); else the JavaScript library. */
  readonly ageCli?: boolean;
}

/**
 * compression → age encryption. With zstd and age both installed this is `zstd | age` joined by
 * the kernel: Node writes the raw bytes once and reads the ciphertext once.
 */
export function encodeStages(options: EncodingOptions & { readonly recipient: string | undefined }): Encoding {
  const steps: CodecStep[] = [];
  const compress = compressStep(options.codec, options.env);
  if (compress) steps.push(compress);
  if (options.recipient !== undefined) {
    steps.push(useCli(options) ? { kind: 'process', ...ageEncryptProcess(options.recipient, options.env) } : { kind: 'stream', stream: encryptStream(options.recipient) });
  }
  return assemble(steps);
}

/**
 * `zstd | age` (or zstd alone, unencrypted) fed directly by a source process, when both are
 * programs: the raw bytes never pass through Node (see spawnFedChain). Undefined when a step
 * would run in Node (brotli, gzip, the age library): the caller then feeds encodeStages itself.
 */
export function encodeFedStages(
  options: EncodingOptions & {
    readonly recipient: string | undefined;
    readonly upstream: Promise<void>;
    readonly onRawBytes: (bytes: number) => Error | undefined;
  },
): ReturnType<typeof spawnFedChain> | undefined {
  if (options.codec !== 'zstd') return undefined;
  if (options.recipient !== undefined && !useCli(options)) return undefined;
  const steps = [zstdCountingStep(options.env, options.onRawBytes)];
  if (options.recipient !== undefined) steps.push({ kind: 'process', ...ageEncryptProcess(options.recipient, options.env) });
  return spawnFedChain(steps, options.upstream);
}

/** age decryption → decompression: the reverse of encodeStages. */
export function decodeStages(options: EncodingOptions & { readonly identity: string | undefined }): Encoding {
  const steps: CodecStep[] = [];
  if (options.identity !== undefined) {
    const cli = options.ageCli ?? canDecryptWithAgeCli(options.env);
    steps.push(cli ? { kind: 'process', ...ageDecryptProcess(options.identity, options.env) } : { kind: 'stream', stream: decryptStream(options.identity) });
  }
  const decompress = decompressStep(options.codec, options.env);
  if (decompress) steps.push(decompress);
  return assemble(steps);
}

/** What encrypts, for the manifest. */
export function encryptionVersion(options: Pick<EncodingOptions, 'env' | 'ageCli'>): Promise<string> {
  return useCli(options) ? ageCliVersion(options.env) : Promise.resolve(ageLibraryVersion());
}

function useCli(options: Pick<EncodingOptions, 'env' | 'ageCli'>): boolean {
  return options.ageCli ?? hasAgeCli(options.env);
}

/** Consecutive processes become one kernel-joined chain; Node streams stay as they are. */
function assemble(steps: readonly CodecStep[]): Encoding {
  const streams: Stream[] = [];
  const children: ChildStage[] = [];
  let run: Extract<CodecStep, { kind: 'process' }>[] = [];
  const flush = (): void => {
    if (run.length === 0) return;
    const chain = spawnChain(run);
    streams.push(chain.stream);
    children.push(...chain.children);
    run = [];
  };
  for (const step of steps) {
    if (step.kind === 'process') {
      run.push(step);
      continue;
    }
    flush();
    streams.push(step.stream);
  }
  flush();
  return { streams, children };
}
