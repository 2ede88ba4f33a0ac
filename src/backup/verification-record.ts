import { z } from 'zod';

const recordSchema = z.strictObject({
  format: z.literal('slipway-verify/1'),
  id: z.string(),
  at: z.iso.datetime(),
  ok: z.boolean(),
  /** The object's SHA-256 the manifest promised; a record about another object is ignored. */
  objectSha256: z.string(),
  /** The object as the target saw it when verified; a later change makes the backup unverified. */
  object: z.strictObject({ size: z.number(), version: z.string() }).optional(),
  /** What was checked: "size", "sha256", "decrypt", "decompress", "raw-sha256", "pg_restore --list". */
  checks: z.array(z.string()),
  /** SHA-256 of the raw bytes as read back, when the manifest has none (pg_dump fed zstd directly). */
  rawSha256: z.string().optional(),
  error: z.strictObject({ code: z.string(), message: z.string() }).optional(),
});

/** The outcome of the last verification of one backup, stored next to it. */
export type VerificationRecord = z.infer<typeof recordSchema>;

export function encodeVerification(record: VerificationRecord): Uint8Array {
  return Buffer.from(`${JSON.stringify(recordSchema.parse(record), null, 2)}\n`);
}

/** A damaged record counts as no record: the backup is then merely unverified. */
export function decodeVerification(data: Uint8Array | undefined): VerificationRecord | undefined {
  if (!data) return undefined;
  try {
    const parsed = recordSchema.safeParse(JSON.parse(Buffer.from(data).toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
