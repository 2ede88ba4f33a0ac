/**
 * The `generate:` spec of a secret in slipway.yaml (zod), apart from the generators themselves
 * (generate.ts): the daemon generates secrets without loading zod.
 */
import { z } from 'zod';
import { SlipwayError } from '../errors.js';

/** The spec (also taken by `slipway secrets generate --kind`). */
export const generatorSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('hex'), bytes: z.number().int().min(16).max(1024).default(32) }),
  z.strictObject({ kind: z.literal('base64url'), bytes: z.number().int().min(16).max(1024).default(32) }),
  z.strictObject({
    kind: z.literal('password'),
    length: z.number().int().min(12).max(256).default(32),
    alphabet: z.string().refine((a) => new Set(a).size >= 10, 'an alphabet of at least 10 distinct characters').optional(),
  }),
  z.strictObject({ kind: z.literal('uuid') }),
  z.strictObject({ kind: z.literal('rsa'), bits: z.number().int().min(2048).max(8192).default(3072) }),
  z.strictObject({ kind: z.literal('ec'), curve: z.enum(['P-256', 'P-384', 'P-521']).default('P-256') }),
  z.strictObject({ kind: z.literal('vapid') }),
  /** An age X25519 identity (AGE-SECRET-KEY-1…): the key of encrypted backups; its recipient is public. */
  z.strictObject({ kind: z.literal('age') }),
]);

export type GeneratorSpec = z.output<typeof generatorSchema>;

/** Parses a generator given on the command line (--kind hex --bytes 32 …) or in the config. */
export function parseGenerator(input: unknown): GeneratorSpec {
  const parsed = generatorSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'kind'}: ${i.message}`).join('; ');
  throw new SlipwayError('SLW_SECRETS_BAD_GENERATOR', `The secret generator is not valid: ${problems}.`);
}
