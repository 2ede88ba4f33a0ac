import { z } from 'zod';
import { SlipwayError } from '../errors.js';
import { CODECS } from './compression.js';

export const MANIFEST_FORMAT = 'slipway-backup/1';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const size = z.number().int().nonnegative();
const iso = z.iso.datetime();

const sourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    name: z.string().min(1),
    kind: z.literal('postgres'),
    host: z.string(),
    port: z.number().int(),
    database: z.string(),
    user: z.string(),
  }),
  z.strictObject({ name: z.string().min(1), kind: z.literal('sqlite'), path: z.string() }),
  z.strictObject({ name: z.string().min(1), kind: z.literal('dir'), path: z.string(), volume: z.string().optional() }),
]);

const manifestSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  id: z.string().regex(/^[A-Za-z0-9_.-]+$/),
  source: sourceSchema,
  startedAt: iso,
  finishedAt: iso,
  durationMs: size,
  releaseId: z.string().optional(),
  /** The stored object: what the target holds, byte for byte. */
  object: z.strictObject({ key: z.string().min(1), bytes: size, sha256 }),
  /**
   * The source's output before compression and encryption: what a restore feeds the restore
   * tool. No sha256 when the source process fed zstd directly (its bytes never passed through
   * slipway; the size is the one zstd counted, and zstd's frame checksum covers the content).
   */
  raw: z.strictObject({ bytes: size, sha256: sha256.optional() }),
  compression: z.enum(CODECS),
  encryption: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('age'), recipient: z.string().startsWith('age1') }),
    z.strictObject({ kind: z.literal('none') }),
  ]),
  /** Versions of every program and library that wrote the backup. */
  tools: z.record(z.string(), z.string()),
  host: z.string(),
});

/** The record that makes a backup exist. Written last, atomically, after its object. */
export type Manifest = z.infer<typeof manifestSchema>;

export function encodeManifest(manifest: Manifest): Uint8Array {
  return Buffer.from(`${JSON.stringify(manifestSchema.parse(manifest), null, 2)}\n`);
}

/** Parses and validates a stored manifest; SLW_BACKUP_MANIFEST_INVALID when it is damaged in any way. */
export function decodeManifest(data: Uint8Array, key: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch (err) {
    throw invalid(key, 'it is not complete JSON (truncated or damaged)', err);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw invalid(key, `${first?.path.join('.') || 'the manifest'}: ${first?.message ?? 'invalid'}`, parsed.error);
  }
  return parsed.data;
}

function invalid(key: string, why: string, cause: unknown): SlipwayError {
  return new SlipwayError('SLW_BACKUP_MANIFEST_INVALID', `The manifest ${key} is invalid: ${why}.`, { cause });
}
