import type { Readable, Writable } from 'node:stream';
import type { ChildStage } from './child-stage.js';

export type SourceKind = 'postgres' | 'sqlite' | 'dir';

/** What a backup was made of, free of secrets (no passwords): goes into the manifest. */
export type SourceDescription =
  | { readonly kind: 'postgres'; readonly host: string; readonly port: number; readonly database: string; readonly user: string }
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'dir'; readonly path: string; /** A volume source: the volume's name (its path is its directory in the host state). */ readonly volume?: string };

/** One read of a source: the raw bytes, and the processes whose exit status counts. */
export interface SourceRun {
  /** Ends only once every process behind it exited 0 (see ChildStage.output). */
  readonly stream: Readable;
  readonly children: readonly ChildStage[];
  /** Removes temporary files; called after the run, whether it worked or not. */
  cleanup(): Promise<void>;
}

/** A thing slipway backs up. Implementations: postgres-source, sqlite-source, dir-source. */
export interface BackupSource {
  /** The source's name under backups.sources (e.g. "db"). */
  readonly name: string;
  readonly kind: SourceKind;
  /** File name suffix of the raw format (".pgdump", ".sqlite", ".tar"). */
  readonly suffix: string;
  /** No real output of this kind is smaller: anything below is a failure reported as success. */
  readonly minBytes: number;
  /** How many bytes of the start `checkHead` needs. */
  readonly headBytes: number;
  /** Returns what is wrong with the start of the output (wrong format), or undefined. */
  checkHead(head: Buffer): string | undefined;
  describe(): SourceDescription;
  toolVersions(): Promise<Record<string, string>>;
  open(signal: AbortSignal): Promise<SourceRun>;
  /**
   * For sources that are one process writing the raw bytes (pg_dump): starts it with its stdout
   * on `stdout`, the stdin of the next process (zstd), so the bytes never pass through Node. The
   * run's stream is then empty; it ends once the process exited 0.
   */
  openInto?(signal: AbortSignal, stdout: Writable): Promise<SourceRun>;
}
