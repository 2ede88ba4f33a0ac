/**
 * A compose service's environment, env_file and secrets as slipway's env, envFile and
 * secretFiles. Values that look secret never reach slipway.yaml: they become ${secret:NAME}
 * references, and the sink names the secrets to set (never their values).
 */
import { posix } from 'node:path';
import { ENV_VAR_PATTERN } from '../config/schema-fields.js';
import { composeInterpolation, composeKeyValues, type ScalarValue } from './compose-values.js';
import { keyPath, type ImportSink } from './import-sink.js';

const SECRET_KEY = /(?:^|_)(?:PASSWORD|PASSWD|PASS|PWD|SECRET|SECRETS|TOKEN|APIKEY|API_KEY|PRIVATE_KEY|ACCESS_KEY|CREDENTIALS?|AUTH|SALT|DSN)(?:_|$)|_KEY$|^KEY$/i;
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:[^/@\s]+@/i;

/** True when an environment variable is likely a secret (by its name, or a URL carrying a password). */
export function looksSecret(key: string, value: ScalarValue): boolean {
  if (SECRET_KEY.test(key) && !/_FILE$/i.test(key)) return true;
  return typeof value === 'string' && URL_WITH_PASSWORD.test(value);
}

/** A secret name slipway accepts from a compose name (letters, digits, "_"). */
export function secretNameOf(name: string): string | undefined {
  const out = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(out) ? out : undefined;
}

/** slipway.yaml keeps `${` for its own references: a literal one is written `$${`. */
export function escapeLiteral(text: string): string {
  return text.replaceAll('${', '$${');
}

export function translateEnvironment(sink: ImportSink, base: string, value: unknown, names: ReadonlyMap<string, string> = new Map()): Record<string, string | number | boolean> {
  const path = keyPath(base, 'environment');
  const entries = composeKeyValues(value);
  if (entries === undefined) {
    sink.problem(path, 'is neither a mapping of NAME: value nor a list of "NAME=value"');
    return {};
  }
  const env: Record<string, string | number | boolean> = {};
  for (const [key, raw] of entries) {
    const at = keyPath(path, key);
    if (!ENV_VAR_PATTERN.test(key)) {
      sink.skip(at, 'is not a variable name slipway accepts (letters, digits, "_")');
      continue;
    }
    if (key === 'PORT' || key.startsWith('SLIPWAY_')) {
      sink.skip(at, `slipway sets ${key} for every instance itself${key === 'PORT' ? ' (the port the app must listen on)' : ''}`);
      continue;
    }
    const value = envValue(sink, at, key, raw);
    if (value !== undefined) env[key] = typeof value === 'string' ? serviceAddresses(sink, at, value, names) : value;
  }
  return env;
}

function envValue(sink: ImportSink, at: string, key: string, raw: ScalarValue): string | number | boolean | undefined {
  if (raw === null) {
    if (looksSecret(key, raw)) return secretRef(sink, at, key, 'Compose took it from the shell');
    sink.skip(at, 'has no value: Compose passes it from the shell that runs it; set it under env (or as a secret)');
    return undefined;
  }
  if (typeof raw !== 'string') return looksSecret(key, raw) ? secretRef(sink, at, key, 'its compose value is not copied') : raw;
  const text = composeInterpolation(raw);
  if (text.kind === 'literal') {
    if (looksSecret(key, text.text)) return secretRef(sink, at, key, 'its compose value is not copied');
    if (text.text.startsWith('/run/secrets/')) {
      sink.skip(at, `points at Compose's secret mount (${text.text}); slipway mounts a secret file at the path held in NAME_FILE (see secretFiles)`);
      return undefined;
    }
    return escapeLiteral(text.text);
  }
  if (looksSecret(key, raw) || text.names.some((n) => looksSecret(n, null))) {
    return secretRef(sink, at, key, `Compose built it from ${text.names.map((n) => `$${n}`).join(', ')}`);
  }
  if (text.whole && text.fallback !== undefined && !text.fallback.includes('$')) {
    sink.note(at, `Compose read it from $${text.names[0]} (default used here); change it under env if that variable was set`);
    return escapeLiteral(text.fallback);
  }
  sink.skip(at, `uses the shell variables ${text.names.map((n) => `$${n}`).join(', ')}, which slipway does not read: set the value under env`);
  return undefined;
}

function secretRef(sink: ImportSink, at: string, key: string, why: string): string {
  sink.secrets.add(key);
  sink.note(at, `looks secret, so it reads \${secret:${key}} (${why}): set it with \`slipway secrets set ${key}\``);
  return `\${secret:${key}}`;
}

/** env_file: the first file becomes envFile (relative to slipway.yaml); more are listed. */
export function translateEnvFile(sink: ImportSink, base: string, value: unknown, relocate: (p: string) => string): string | undefined {
  const path = keyPath(base, 'env_file');
  const files = Array.isArray(value) ? value : [value];
  const names: string[] = [];
  for (const [i, f] of files.entries()) {
    const name = typeof f === 'string' ? f : f !== null && typeof f === 'object' && typeof (f as Record<string, unknown>)['path'] === 'string' ? String((f as Record<string, unknown>)['path']) : undefined;
    if (name === undefined || name === '') sink.problem(Array.isArray(value) ? keyPath(path, i) : path, 'is not a file path (or { path, required })');
    else names.push(name);
  }
  const [first, ...rest] = names;
  rest.forEach((_, i) => sink.skip(keyPath(path, i + 1), 'slipway reads one env file per service: merge it into the first'));
  if (first === undefined) return undefined;
  sink.note(path, 'read as a dotenv file at each deploy; move any secret in it to `slipway secrets set`');
  return relocate(first);
}

/** A service's `secrets:` → secretFiles; the file's path is in NAME_FILE instead of /run/secrets/NAME. */
export function translateServiceSecrets(sink: ImportSink, base: string, value: unknown): string[] {
  const path = keyPath(base, 'secrets');
  if (!Array.isArray(value)) {
    sink.problem(path, 'is not a list of secret names (or { source, target })');
    return [];
  }
  const out: string[] = [];
  for (const [i, entry] of value.entries()) {
    const at = keyPath(path, i);
    const source = typeof entry === 'string' ? entry : entry !== null && typeof entry === 'object' ? (entry as Record<string, unknown>)['source'] : undefined;
    const name = typeof source === 'string' ? secretNameOf(source) : undefined;
    if (name === undefined) {
      sink.problem(at, 'is not a secret name (or { source, target })');
      continue;
    }
    const target = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>)['target'] : undefined;
    sink.secrets.add(name);
    sink.note(at, `mounted read-only from slipway's secret ${name}; the app finds its path in ${name}_FILE (not ${typeof target === 'string' ? posix.join('/run/secrets', target) : `/run/secrets/${String(source)}`})`);
    out.push(name);
  }
  return out;
}

/**
 * "http://api:8080", "db:5432": a compose service reached by its name on Compose's network
 * becomes ${service:NAME.address} (host:port where slipway runs it).
 */
function serviceAddresses(sink: ImportSink, at: string, value: string, names: ReadonlyMap<string, string>): string {
  let out = value;
  for (const [compose, slipway] of names) {
    const escaped = compose.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pattern = new RegExp(`(^|//|@)${escaped}:\\d{1,5}(?=$|[/?#\\s,])`, 'g');
    out = out.replace(pattern, (_m: string, lead: string) => `${lead}\${service:${slipway}.address}`);
  }
  if (out !== value) sink.note(at, 'the compose service names in it now read ${service:NAME.address} (host:port of the instance slipway runs)');
  return out;
}
