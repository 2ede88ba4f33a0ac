import { hostname } from 'node:os';
import { PassThrough, type Stream } from 'node:stream';
import { SlipwayError, toSlipwayError } from '../errors.js';
import { VERSION } from '../version.js';
import type { BackupKey } from './age-adapter.js';
import { checkSourceName, newBackupId } from './backup-id.js';
import { CODEC_SUFFIX, codecVersion, defaultCodec, requireCodec, type Codec } from './compression.js';
import { encodeFedStages, encodeStages, encryptionVersion } from './encoding.js';
import { ignoreEvents, type EmitBackupEvent } from './events.js';
import { runFlow } from './flow.js';
import { MANIFEST_FORMAT, type Manifest } from './manifest.js';
import { Meter } from './meter.js';
import type { BackupRepository } from './repository.js';
import type { BackupSource, SourceRun } from './source.js';
import { acquireSourceLock } from './source-lock.js';
import { verifyBackup, type VerifyOutcome } from './verify.js';

export interface RunBackupOptions {
  readonly source: BackupSource;
  readonly repo: BackupRepository;
  /** Backups are encrypted; `'unencrypted'` is the explicit opt-out. */
  readonly key: BackupKey | 'unencrypted';
  /** Where the per-source lock files live (the daemon's state dir). */
  readonly lockDir: string;
  readonly codec?: Codec;
  /** The release this snapshot protects (beforeDeploy). */
  readonly releaseId?: string;
  readonly signal?: AbortSignal;
  readonly emit?: EmitBackupEvent;
  readonly env?: NodeJS.ProcessEnv;
  /** Verify right after the commit (default true; needs the identity). */
  readonly verify?: boolean;
  readonly progressEveryBytes?: number;
  readonly lockTtlMs?: number;
  readonly pgRoot?: string;
  readonly now?: () => Date;
}

export interface BackupOutcome {
  readonly manifest: Manifest;
  /** Absent when verification was off or only a recipient is configured (the backup stays unverified). */
  readonly verification?: VerifyOutcome;
}

/**
 * Makes one backup: source → SHA-256 of the raw bytes → compression → age → SHA-256 → target,
 * streamed with pipefail semantics, then the manifest (the commit), then a verification.
 * Throws (and emits `backup.failed`) when anything fails; nothing that looks like a backup is
 * left behind then.
 */
export async function runBackup(options: RunBackupOptions): Promise<BackupOutcome> {
  const { source, repo } = options;
  const emit = options.emit ?? ignoreEvents;
  const env = options.env ?? process.env;
  const codec = options.codec ?? defaultCodec(env);
  const now = options.now ?? (() => new Date());
  checkSourceName(source.name);
  requireCodec(codec, env);
  const started = now();
  const id = newBackupId(source.name, started);
  emit({ type: 'backup.started', source: source.name, id });
  const lock = await acquireSourceLock(options.lockDir, source.name, { ...(options.lockTtlMs ? { ttlMs: options.lockTtlMs } : {}) }).catch(
    (err: unknown) => {
      emit({ type: 'backup.failed', source: source.name, id, error: toSlipwayError(err) });
      throw err;
    },
  );
  // The format check (`pg_restore --list`) of a source fed straight into zstd is the verify's:
  // that path is only taken when a verify follows the backup.
  const willVerify = options.verify !== false && (options.key === 'unencrypted' || options.key.identity !== undefined);
  let manifest: Manifest;
  try {
    manifest = await makeBackup(options, { id, codec, env, started, emit, now, willVerify });
    await repo.commit(manifest);
    emit({ type: 'backup.committed', source: source.name, id, manifest });
  } catch (err) {
    const error = toSlipwayError(err);
    emit({ type: 'backup.failed', source: source.name, id, error });
    throw error;
  } finally {
    await lock.release();
  }
  const identity = options.key === 'unencrypted' ? undefined : options.key.identity;
  if (options.verify === false || (options.key !== 'unencrypted' && identity === undefined)) return { manifest };
  const verification = await verifyBackup({
    repo,
    backup: manifest,
    key: options.key === 'unencrypted' ? undefined : options.key,
    env,
    emit,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.pgRoot ? { pgRoot: options.pgRoot } : {}),
    now,
  });
  return { manifest, verification };
}

interface RunContext {
  readonly id: string;
  readonly codec: Codec;
  readonly env: NodeJS.ProcessEnv;
  readonly started: Date;
  readonly emit: EmitBackupEvent;
  readonly now: () => Date;
  readonly willVerify: boolean;
}

async function makeBackup(options: RunBackupOptions, ctx: RunContext): Promise<Manifest> {
  const { source, repo } = options;
  const recipient = options.key === 'unencrypted' ? undefined : options.key.recipient;
  const key = `${source.name}/${ctx.id}${source.suffix}${CODEC_SUFFIX[ctx.codec]}${recipient ? '.age' : ''}`;
  const tools = {
    ...(await source.toolVersions()),
    compression: await codecVersion(ctx.codec, ctx.env),
    ...(recipient ? { encryption: await encryptionVersion({ env: ctx.env }) } : {}),
    node: process.version,
    slipway: VERSION,
  };
  if (source.openInto && ctx.willVerify) {
    const direct = await makeDirectBackup(options, ctx, { key, recipient });
    if (direct) return { ...direct, tools };
  }
  const rawMeter = new Meter({
    headBytes: source.headBytes,
    progressEvery: options.progressEveryBytes ?? 64 << 20,
    onProgress: (rawBytes) => ctx.emit({ type: 'backup.progress', source: source.name, id: ctx.id, rawBytes }),
    atEnd: (meter) => sanityCheck(source, meter),
  });
  const objectMeter = new Meter();
  const run = await source.open(options.signal ?? new AbortController().signal);
  let stored: { bytes: number } | undefined;
  try {
    await runFlow(options.signal, (signal) => {
      const encode = encodeStages({ codec: ctx.codec, recipient, env: ctx.env });
      const out = new PassThrough({ highWaterMark: 1 << 20 });
      const streams: Stream[] = [run.stream, rawMeter, ...encode.streams, objectMeter, out];
      const children = [...run.children, ...encode.children];
      const pids = children.flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
      ctx.emit({ type: 'backup.source-started', source: source.name, id: ctx.id, pids });
      const upload = repo.target.put(key, out, signal).then((result) => {
        stored = result;
      });
      return { streams, children, tasks: [upload] };
    });
  } finally {
    await run.cleanup();
  }
  return { ...manifestOf(options, ctx, { key, recipient }, stored, objectMeter, { bytes: rawMeter.bytes, sha256: rawMeter.sha256 }), tools };
}

/** The manifest of an object the target has stored whole (checked here: a short write is no backup). */
function manifestOf(
  options: RunBackupOptions,
  ctx: RunContext,
  object: { readonly key: string; readonly recipient: string | undefined },
  stored: { readonly bytes: number } | undefined,
  objectMeter: Meter,
  raw: Manifest['raw'],
): Omit<Manifest, 'tools'> {
  if (!stored || stored.bytes !== objectMeter.bytes) {
    throw new SlipwayError('SLW_BACKUP_TARGET_WRITE_FAILED', `The target stored ${stored?.bytes ?? 0} of ${objectMeter.bytes} bytes of ${object.key}.`);
  }
  const { source } = options;
  const finished = ctx.now();
  return {
    format: MANIFEST_FORMAT,
    id: ctx.id,
    source: { name: source.name, ...source.describe() },
    startedAt: ctx.started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: Math.max(0, finished.getTime() - ctx.started.getTime()),
    ...(options.releaseId ? { releaseId: options.releaseId } : {}),
    object: { key: object.key, bytes: objectMeter.bytes, sha256: objectMeter.sha256 },
    raw,
    compression: ctx.codec,
    encryption: object.recipient ? { kind: 'age', recipient: object.recipient } : { kind: 'none' },
    host: hostname(),
  };
}

/**
 * pg_dump → zstd → age with no Node in between (kernel pipes): Node only reads the encrypted
 * output, hashes it and hands it to the target. The raw size is what zstd reports having read
 * (the sanity floor applies to it before the target commits); the format check is the
 * `pg_restore --list` of the verify that follows; there is no raw SHA-256 (zstd's frame checksum
 * covers the content, the verify records the SHA-256 it reads back). Undefined when a step would
 * run in Node (no zstd or age program): the caller then takes the path through Node.
 */
async function makeDirectBackup(
  options: RunBackupOptions,
  ctx: RunContext,
  object: { readonly key: string; readonly recipient: string | undefined },
): Promise<Omit<Manifest, 'tools'> | undefined> {
  const { source, repo } = options;
  let rawBytes: number | undefined;
  let settle: { resolve: (exit: Promise<void>) => void; reject: (err: unknown) => void } | undefined;
  const upstream = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  upstream.catch(() => undefined); // observed through the chain's output and by the flow
  const encode = encodeFedStages({
    codec: ctx.codec,
    recipient: object.recipient,
    env: ctx.env,
    upstream,
    onRawBytes: (bytes) => {
      rawBytes = bytes;
      return bytes >= source.minBytes ? undefined : tooSmall(source, bytes, `it is ${bytes} bytes, less than the ${source.minBytes} bytes of the smallest real ${source.kind} backup`);
    },
  });
  if (!encode) return undefined;
  let run: SourceRun;
  try {
    run = await source.openInto!(options.signal ?? new AbortController().signal, encode.input);
  } catch (err) {
    settle!.reject(err);
    encode.children.forEach((child) => child.kill());
    await Promise.allSettled(encode.children.map((child) => child.exited));
    throw err;
  } finally {
    // The source process holds its own copy of the pipe now (or never will).
    encode.releaseInput();
  }
  settle!.resolve(Promise.all(run.children.map((child) => child.exited)).then(() => undefined));
  const objectMeter = new Meter({
    progressEvery: options.progressEveryBytes ?? 16 << 20,
    onProgress: (storedBytes) => ctx.emit({ type: 'backup.progress', source: source.name, id: ctx.id, storedBytes }),
  });
  let stored: { bytes: number } | undefined;
  try {
    await runFlow(options.signal, (signal) => {
      const out = new PassThrough({ highWaterMark: 1 << 20 });
      const children = [...run.children, ...encode.children];
      const pids = children.flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
      ctx.emit({ type: 'backup.source-started', source: source.name, id: ctx.id, pids });
      const upload = repo.target.put(object.key, out, signal).then((result) => {
        stored = result;
      });
      return { streams: [encode.output, objectMeter, out], children, tasks: [upload] };
    });
  } finally {
    await run.cleanup();
  }
  if (rawBytes === undefined) throw new SlipwayError('SLW_BACKUP_PIPELINE_FAILED', 'zstd did not report how many bytes it compressed.');
  return manifestOf(options, ctx, object, stored, objectMeter, { bytes: rawBytes });
}

function tooSmall(source: BackupSource, bytes: number, why: string): SlipwayError {
  return new SlipwayError('SLW_BACKUP_OUTPUT_TOO_SMALL', `The ${source.kind} source ${source.name} produced output that cannot be a backup: ${why}.`, {
    details: { bytes },
  });
}

/** The floor and format check, run when the source's stream ends and before the target commits. */
function sanityCheck(source: BackupSource, meter: Meter): Error | undefined {
  const wrongFormat = meter.bytes > 0 ? source.checkHead(meter.head) : 'it is empty';
  if (meter.bytes >= source.minBytes && wrongFormat === undefined) return undefined;
  const why = wrongFormat ?? `it is ${meter.bytes} bytes, less than the ${source.minBytes} bytes of the smallest real ${source.kind} backup`;
  return tooSmall(source, meter.bytes, why);
}
