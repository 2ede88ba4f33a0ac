/** The `secrets:` section and the per-service secret keys of slipway.yaml. */
import { z } from 'zod';
import { tag } from './schema-meta.js';
import { generatorSchema } from '../secrets/generator-schema.js';
import { SECRET_NAME_PATTERN, SECRET_REF_PATTERN } from '../secrets/reference.js';

export const secretName = tag(z.string().regex(SECRET_NAME_PATTERN), {
  code: 'SLW_CONFIG_ENV_VAR_NAME',
  expected: 'a secret name (letters, digits, "_")',
  quoteValue: true,
});

const secretRef = tag(z.string().regex(SECRET_REF_PATTERN), {
  code: 'SLW_CONFIG_UNKNOWN_SECRET',
  expected: 'a secret name, or NAME.part for a key pair',
  quoteValue: true,
});

export const secretDeclSchema = z.strictObject({
  generate: generatorSchema
    .optional()
    .describe('Generated once by slipway (never regenerated silently): { kind: hex | base64url, bytes } | { kind: password, length, alphabet } | { kind: uuid } | { kind: rsa, bits } | { kind: ec, curve } | { kind: vapid }.'),
});

export const secretsSchema = z
  .record(secretName, secretDeclSchema)
  .default({})
  .describe('Secrets the services use: `NAME: {}` (set with `slipway secrets set`) or `NAME: { generate: {...} }`. Values live encrypted in the state dir, one store per environment.');

export const secretFilesSchema = z
  .array(secretRef)
  .default([])
  .describe('Secrets mounted as files (mode 0400, removed with the instance); the path is in NAME_FILE.');

export const envFileSchema = z
  .string()
  .min(1)
  .optional()
  .describe('A dotenv file (NAME=value lines) merged under `env`, relative to the config file; ${env} allowed, e.g. .env.${env}.');
