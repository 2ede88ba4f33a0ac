import type { ErrorCode } from '../errors.js';
import type { StageOptions } from './child-stage.js';
import { secretFifo } from './secret-fifo.js';
import { findOnPath, toolVersion } from './tools.js';

/**
 * The `age` program (the reference implementation of the age format) as a pipeline process.
 * It encrypts and decrypts several times faster than the JavaScript library, outside Node's
 * thread, and joined straight to zstd by a pipe, so it is used whenever it is installed; files
 * are the same standard format either way (age-adapter.ts reads what this writes, and the
 * reverse).
 */

export function hasAgeCli(env: NodeJS.ProcessEnv): boolean {
  return findOnPath('age', env) !== undefined;
}

/** Decrypting also needs `mkfifo` (secret-fifo.ts); without it the library decrypts. */
export function canDecryptWithAgeCli(env: NodeJS.ProcessEnv): boolean {
  return hasAgeCli(env) && findOnPath('mkfifo', env) !== undefined;
}

export async function ageCliVersion(env: NodeJS.ProcessEnv): Promise<string> {
  return `age ${await toolVersion(['age', '--version'], env)}`;
}

/** Plaintext on stdin, age ciphertext for `recipient` (public, so argv is fine) on stdout. */
export function ageEncryptProcess(recipient: string, env: NodeJS.ProcessEnv): { argv: string[]; options: Omit<StageOptions, 'stdin'> } {
  return { argv: ['age', '--encrypt', '--recipient', recipient], options: { env, failCode: 'SLW_BACKUP_PIPELINE_FAILED' } };
}

/**
 * Ciphertext on stdin, plaintext on stdout; each 64 KiB chunk is released only once its tag
 * checks. The identity reaches the program through a private named pipe (secret-fifo.ts).
 */
export function ageDecryptProcess(identity: string, env: NodeJS.ProcessEnv): { argv: string[]; options: Omit<StageOptions, 'stdin'> } {
  const fifo = secretFifo(`${identity}\n`);
  return {
    argv: ['age', '--decrypt', '--identity', fifo.path],
    options: { env, failCode: 'SLW_BACKUP_CORRUPT', classify: classifyAgeError, onSpawn: fifo.feed, redact: [identity] },
  };
}

/** age says "no identity matched any of the recipients" for a wrong key; anything else is damage. */
function classifyAgeError(stderr: string): ErrorCode | undefined {
  return /no identity matched/.test(stderr) ? 'SLW_BACKUP_KEY_MISMATCH' : undefined;
}
