/** Normalizing the secret parts of a service: envFile values under env, secretFiles as NAME_FILE markers. */
import { DEFAULT_SECRETS_ENV, fileMarker, fileVarOf } from '../secrets/reference.js';
import type { SecretDecl } from './model.js';
import type { ParsedConfig, ParsedService } from './schema.js';

export function secretDecls(parsed: ParsedConfig): Record<string, SecretDecl> {
  return Object.fromEntries(Object.entries(parsed.secrets).map(([name, d]) => [name, { name, generate: d.generate }]));
}

/** envFile values, then `env` (wins), then one NAME_FILE marker per secretFiles entry. */
export function serviceEnv(s: ParsedService, envFile: Readonly<Record<string, string>> | undefined, env: string | undefined): Record<string, string> {
  const out: Record<string, string> = { ...envFile };
  for (const [k, v] of Object.entries(s.env)) out[k] = String(v);
  for (const ref of s.secretFiles) out[fileVarOf(ref)] = fileMarker(env ?? DEFAULT_SECRETS_ENV, ref);
  return out;
}
