/**
 * ${...} placeholders in string values: ${env} is the chosen environment's name,
 * ${secret:NAME} (or ${secret:NAME.part}) a reference to a stored secret, allowed in
 * `services.*.env` values, basic-auth hashes (`services.*.routes[].basicAuth.users.*`), `backups.key`, `backups.sources.*.postgres.url`, the S3 credentials of backup targets and the
 * credential settings of alert notifiers (`alerts.notify[].secret`, `.url`, `.smtp`) and of DNS-01 (`tls.acme.dns01.key.secret`, `.apiToken`) only, $${ is a literal "${". A secret reference stays a reference
 * (a marker, see src/secrets/reference.ts): its value is read by the daemon when an instance
 * starts, never here.
 */
import { rawIssue, type ConfigPath, type RawIssue } from './issue.js';
import { DEFAULT_SECRETS_ENV, SECRET_REF_PATTERN, valueMarker } from '../secrets/reference.js';
import { stackPlaceholder, type StackRefUse } from './stack-placeholders.js';

const PLACEHOLDER = /\$\$\{|\$\{([^}]*)(\}?)/g;

/** Where a ${secret:...} placeholder was written. */
export interface SecretUse {
  readonly path: ConfigPath;
  /** NAME or NAME.part */
  readonly ref: string;
}

export interface Interpolated {
  readonly value: unknown;
  readonly issues: RawIssue[];
  readonly secretUses: SecretUse[];
  /** ${service:...}, ${volume:...}, ${host}/${port} placeholders, checked against the services by outputs-semantic.ts. */
  readonly stackUses: StackRefUse[];
}

export function interpolate(data: unknown, env: string | undefined): Interpolated {
  const issues: RawIssue[] = [];
  const secretUses: SecretUse[] = [];
  const stackUses: StackRefUse[] = [];
  const value = walk(data, [], { env, issues, secretUses, stackUses });
  return { value, issues, secretUses, stackUses };
}

interface WalkState {
  readonly env: string | undefined;
  readonly issues: RawIssue[];
  readonly secretUses: SecretUse[];
  readonly stackUses: StackRefUse[];
}

function walk(value: unknown, path: ConfigPath, s: WalkState): unknown {
  if (typeof value === 'string') return expand(value, path, s);
  if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, i], s));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = walk(item, [...path, key], s);
    return out;
  }
  return value;
}

/** services.<name>.env.<VAR>, backups.key, backups.sources.<name>.postgres.url, S3 credentials, notifier credentials: where a secret may be referenced. */
function isEnvValue(path: ConfigPath): boolean {
  if (path[0] === 'alerts') return isNotifierCredential(path);
  if (path[0] === 'tls') return isDns01Credential(path);
  if (path[0] === 'backups') return (path.length === 2 && path[1] === 'key') || (path.length === 5 && path[1] === 'sources' && path[3] === 'postgres' && path[4] === 'url') || isS3Credential(path);
  return (path.length === 4 && path[0] === 'services' && path[2] === 'env') || isBasicAuthHash(path);
}

/** services.<name>.routes[i].basicAuth.users.<user>: a password hash kept in the secret store. */
function isBasicAuthHash(path: ConfigPath): boolean {
  return path.length === 7 && path[0] === 'services' && path[2] === 'routes' && path[4] === 'basicAuth' && path[5] === 'users';
}

/** alerts.notify[i].secret (webhook HMAC key), .url (webhook, Slack, Alertmanager) and .smtp (email): settings that carry credentials. */
function isNotifierCredential(path: ConfigPath): boolean {
  return path.length === 4 && path[1] === 'notify' && typeof path[2] === 'number' && (path[3] === 'secret' || path[3] === 'url' || path[3] === 'smtp');
}

/** tls.acme.dns01.key.secret (TSIG) and tls.acme.dns01.apiToken (Cloudflare). */
function isDns01Credential(path: ConfigPath): boolean {
  const tail = path.slice(0, 3).join('.') === 'tls.acme.dns01' ? path.slice(3).join('.') : '';
  return tail === 'key.secret' || tail === 'apiToken';
}

/** backups.targets.<name>.s3.accessKey / secretKey. */
function isS3Credential(path: ConfigPath): boolean {
  return path.length === 5 && path[1] === 'targets' && path[3] === 's3' && (path[4] === 'accessKey' || path[4] === 'secretKey');
}

function expand(text: string, path: ConfigPath, s: WalkState): string {
  const { env, issues } = s;
  return text.replace(PLACEHOLDER, (match, inner: string | undefined, close: string | undefined) => {
    if (match === '$${') return '${';
    const name = (inner ?? '').trim();
    if (!close) {
      issues.push(rawIssue('SLW_CONFIG_BAD_INTERPOLATION', path, 'a "${" placeholder is never closed with "}"'));
    } else if (name === 'env') {
      if (env !== undefined) return env;
      issues.push(rawIssue('SLW_CONFIG_ENV_REQUIRED', path, '${env} is used here, but no environment was chosen with --env'));
    } else if (name.startsWith('secret:')) {
      const ref = name.slice('secret:'.length).trim();
      if (!SECRET_REF_PATTERN.test(ref)) {
        issues.push(rawIssue('SLW_CONFIG_BAD_INTERPOLATION', path, 'a ${secret:...} placeholder names no valid secret (NAME or NAME.part)'));
      } else if (!isEnvValue(path)) {
        issues.push(rawIssue('SLW_CONFIG_SECRET_NOT_ALLOWED', path, `\${secret:${ref}} is written where slipway cannot keep it secret (allowed: services.*.env, basic-auth users, backups.key, postgres urls, S3 credentials, alerts.notify[].secret/url/smtp, tls.acme.dns01 key.secret/apiToken)`));
      } else {
        s.secretUses.push({ path, ref });
        return valueMarker(env ?? DEFAULT_SECRETS_ENV, ref);
      }
    } else if (name.startsWith('service:') || name.startsWith('volume:') || name === 'host' || name === 'port') {
      const placed = stackPlaceholder(name, path);
      if ('issue' in placed) issues.push(placed.issue);
      else {
        s.stackUses.push(placed.use);
        return placed.marker;
      }
    } else {
      const shown = name.length <= 40 ? `\${${name}}` : 'this placeholder';
      issues.push(rawIssue('SLW_CONFIG_BAD_INTERPOLATION', path, `${shown} is not a known placeholder; known: \${env}, \${secret:NAME}, \${service:NAME.OUTPUT}, \${volume:NAME}, and \${host}/\${port} in outputs`));
    }
    return match;
  });
}
