import { pipeline } from 'node:stream/promises';
import type { Stream } from 'node:stream';
import { SlipwayError } from '../errors.js';
import type { ChildStage } from './child-stage.js';

/** The parts of one streaming run: built once the run's abort signal exists. */
export interface FlowParts {
  /** Chained with stream.pipeline; the first is readable, the last writable. */
  readonly streams: readonly Stream[];
  /** Processes of the run: killed when anything fails; each must exit 0. */
  readonly children: readonly ChildStage[];
  /** Other work that must succeed (e.g. the target consuming the stream's output). */
  readonly tasks?: readonly Promise<unknown>[];
}

/**
 * Runs a streaming pipeline with pipefail semantics: every stream, process and task must
 * succeed. The first failure wins (later ones are its consequences: EPIPE, killed
 * processes); it aborts the rest, every process is killed, and everything is awaited before
 * this rejects, so nothing is left running.
 */
export async function runFlow(signal: AbortSignal | undefined, build: (signal: AbortSignal) => FlowParts): Promise<void> {
  const inner = new AbortController();
  let first: unknown;
  const fail = (err: unknown): void => {
    if (first === undefined) first = err;
    inner.abort(err);
  };
  const onOuterAbort = (): void => fail(abortedError(signal?.reason));
  if (signal?.aborted) onOuterAbort();
  signal?.addEventListener('abort', onOuterAbort, { once: true });
  let parts: FlowParts;
  try {
    parts = build(inner.signal);
  } catch (err) {
    signal?.removeEventListener('abort', onOuterAbort);
    throw err;
  }
  const killAll = (): void => parts.children.forEach((child) => child.kill());
  inner.signal.addEventListener('abort', killAll, { once: true });
  if (parts.streams.length < 2) throw new Error('runFlow needs at least two streams');
  const streams = parts.streams as unknown as readonly NodeJS.ReadWriteStream[];
  const all = [
    pipeline(streams, { signal: inner.signal }),
    ...parts.children.map((child) => child.exited),
    ...(parts.tasks ?? []),
  ];
  await Promise.all(all.map((p) => p.catch(fail)));
  signal?.removeEventListener('abort', onOuterAbort);
  if (first !== undefined) throw first;
}

export function abortedError(reason: unknown): SlipwayError {
  if (reason instanceof SlipwayError) return reason;
  const why = reason instanceof Error ? reason.message : 'it was cancelled';
  return new SlipwayError('SLW_BACKUP_ABORTED', `Stopped because ${why}.`, { cause: reason });
}
