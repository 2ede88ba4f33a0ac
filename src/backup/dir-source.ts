import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SlipwayError } from '../errors.js';
import { spawnStage } from './child-stage.js';
import { toolVersion } from './tools.js';
import type { BackupSource, SourceDescription, SourceRun } from './source.js';

export interface DirSourceOptions {
  readonly name: string;
  readonly path: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * A directory as a tar stream (GNU tar, names sorted, owners and modes kept). tar exits 1
 * when a file changed while it was read: that fails the backup too — a copy of a file caught
 * mid-write is not a backup.
 */
export class DirSource implements BackupSource {
  readonly kind = 'dir' as const;
  readonly suffix = '.tar';
  /** tar pads every archive to a 10 KiB record, even an empty one. */
  readonly minBytes = 10240;
  /** "ustar" sits at offset 257 of the first header block. */
  readonly headBytes = 263;
  readonly name: string;
  readonly #path: string;
  readonly #env: NodeJS.ProcessEnv;

  constructor(options: DirSourceOptions) {
    this.name = options.name;
    this.#path = resolve(options.path);
    this.#env = options.env ?? process.env;
  }

  checkHead(head: Buffer): string | undefined {
    return checkTarHead(head);
  }

  describe(): SourceDescription {
    return { kind: 'dir', path: this.#path };
  }

  async toolVersions(): Promise<Record<string, string>> {
    return { tar: await toolVersion(['tar', '--version'], this.#env) };
  }

  async open(): Promise<SourceRun> {
    const info = await stat(this.#path).catch(() => undefined);
    if (!info?.isDirectory()) {
      throw new SlipwayError('SLW_BACKUP_SOURCE_INVALID', `The directory ${this.#path} does not exist or is not a directory.`);
    }
    const argv = ['tar', '--create', '--file=-', '--sort=name', `--directory=${this.#path}`, '.'];
    const child = spawnStage(argv, { env: this.#env, stdin: 'ignore', failCode: 'SLW_BACKUP_SOURCE_FAILED' });
    return { stream: child.output, children: [child], cleanup: async () => undefined };
  }
}

/** The head check of a tar stream ("ustar" at offset 257 of the first header block). */
export function checkTarHead(head: Buffer): string | undefined {
  return head.subarray(257, 262).toString('latin1') === 'ustar' ? undefined : 'it does not start like a tar archive';
}
