/**
 * ${...} placeholders in string values: ${env} is the chosen environment's name,
 * ${secret:NAME} is reserved for secrets (not supported yet), $${ is a literal "${".
 */
import { rawIssue, type ConfigPath, type RawIssue } from './issue.js';

const PLACEHOLDER = /\$\$\{|\$\{([^}]*)(\}?)/g;

export interface Interpolated {
  readonly value: unknown;
  readonly issues: RawIssue[];
}

export function interpolate(data: unknown, env: string | undefined): Interpolated {
  const issues: RawIssue[] = [];
  const value = walk(data, [], env, issues);
  return { value, issues };
}

function walk(value: unknown, path: ConfigPath, env: string | undefined, issues: RawIssue[]): unknown {
  if (typeof value === 'string') return expand(value, path, env, issues);
  if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, i], env, issues));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = walk(item, [...path, key], env, issues);
    return out;
  }
  return value;
}

function expand(text: string, path: ConfigPath, env: string | undefined, issues: RawIssue[]): string {
  return text.replace(PLACEHOLDER, (match, inner: string | undefined, close: string | undefined) => {
    if (match === '$${') return '${';
    const name = (inner ?? '').trim();
    if (!close) {
      issues.push(rawIssue('SLW_CONFIG_BAD_INTERPOLATION', path, 'a "${" placeholder is never closed with "}"'));
    } else if (name === 'env') {
      if (env !== undefined) return env;
      issues.push(rawIssue('SLW_CONFIG_ENV_REQUIRED', path, '${env} is used here, but no environment was chosen with --env'));
    } else if (name.startsWith('secret:')) {
      issues.push(rawIssue('SLW_CONFIG_SECRETS_UNSUPPORTED', path, `\${${name}} refers to a secret, and secrets are not supported yet`));
    } else {
      const shown = name.length <= 40 ? `\${${name}}` : 'this placeholder';
      issues.push(rawIssue('SLW_CONFIG_BAD_INTERPOLATION', path, `${shown} is not a known placeholder; only \${env} is`));
    }
    return match;
  });
}
