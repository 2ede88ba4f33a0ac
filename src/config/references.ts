/**
 * The references stage of validation, after the schema: secrets named by ${secret:...} and
 * `secretFiles` must be declared under `secrets:`; `envFile`s must exist and parse. Runs on the
 * raw (merged, interpolated) data like semantic.ts, skipping values of the wrong type.
 */
import { readBoundedText } from '../lib/bounded-read.js';
import { resolve } from 'node:path';
import { fileVarOf, nameOf } from '../secrets/reference.js';
import { parseEnvFile } from './env-file.js';
import type { SecretUse } from './interpolate.js';
import { rawIssue, type RawIssue } from './issue.js';
import { isPlainObject } from './merge.js';
import { suggest } from './suggest.js';

const PAIR_KINDS = new Set(['rsa', 'ec', 'vapid']);
const PAIR_PARTS = new Set(['publicKey', 'privateKey']);

export interface References {
  readonly issues: RawIssue[];
  /** Parsed envFile of each service that has one. */
  readonly envFiles: Record<string, Record<string, string>>;
}

export async function referenceIssues(data: unknown, uses: readonly SecretUse[], dir: string): Promise<References> {
  const issues: RawIssue[] = [];
  const envFiles: Record<string, Record<string, string>> = {};
  if (!isPlainObject(data)) return { issues, envFiles };
  const declared = isPlainObject(data['secrets']) ? data['secrets'] : {};
  const check = (ref: string, path: readonly (string | number)[]) => {
    const problem = refProblem(declared, ref);
    if (problem) issues.push(rawIssue('SLW_CONFIG_UNKNOWN_SECRET', path, problem.message, problem.hint ? { hint: problem.hint } : {}));
  };
  for (const use of uses) check(use.ref, use.path);
  const services = isPlainObject(data['services']) ? Object.entries(data['services']) : [];
  for (const [name, service] of services) {
    if (!isPlainObject(service)) continue;
    const env = isPlainObject(service['env']) ? service['env'] : {};
    const files = Array.isArray(service['secretFiles']) ? service['secretFiles'] : [];
    const vars = new Set(Object.keys(env));
    files.forEach((ref: unknown, i) => {
      if (typeof ref !== 'string') return;
      const path = ['services', name, 'secretFiles', i];
      check(ref, path);
      const variable = fileVarOf(ref);
      if (vars.has(variable)) {
        issues.push(rawIssue('SLW_CONFIG_SECRET_FILE_CLASH', path, `${ref} is mounted with its path in ${variable}, which is already set`));
      }
      vars.add(variable);
    });
    const envFile = service['envFile'];
    if (typeof envFile === 'string' && envFile !== '') {
      const read = await readEnvFile(resolve(dir, envFile), ['services', name, 'envFile']);
      issues.push(...read.issues);
      if (read.values) envFiles[name] = read.values;
    }
  }
  return { issues, envFiles };
}

function refProblem(declared: Record<string, unknown>, ref: string): { message: string; hint?: string } | undefined {
  const name = nameOf(ref);
  const part = ref.includes('.') ? ref.slice(name.length + 1) : undefined;
  if (!Object.hasOwn(declared, name)) {
    const near = suggest(name, Object.keys(declared));
    return {
      message: `secret ${name} is not declared under \`secrets:\``,
      ...(near ? { hint: `did you mean ${near}? Otherwise declare it: \`secrets: { ${name}: {} }\`.` } : {}),
    };
  }
  if (part === undefined) return undefined;
  const decl = declared[name];
  const kind = isPlainObject(decl) && isPlainObject(decl['generate']) ? decl['generate']['kind'] : undefined;
  if (typeof kind === 'string' && PAIR_KINDS.has(kind) && PAIR_PARTS.has(part)) return undefined;
  return { message: `${ref}: only key pairs (generate kind rsa, ec or vapid) have parts, and they are publicKey and privateKey` };
}

/** An envFile is read up to this size. */
const MAX_ENV_FILE_BYTES = 1024 * 1024;

async function readEnvFile(file: string, path: readonly (string | number)[]): Promise<{ issues: RawIssue[]; values?: Record<string, string> }> {
  const read = await readBoundedText(file, MAX_ENV_FILE_BYTES);
  if (!read.ok) {
    if (read.problem === 'not-a-file') return { issues: [rawIssue('SLW_CONFIG_NOT_A_FILE', path, `env file ${file} is ${read.detail}, not a regular file`)] };
    if (read.problem === 'too-large') return { issues: [rawIssue('SLW_CONFIG_FILE_TOO_LARGE', path, `env file ${file} is larger than 1 MiB (${read.detail})`)] };
    const why = read.problem === 'missing' ? 'does not exist' : `cannot be read (${read.detail})`;
    return { issues: [rawIssue('SLW_CONFIG_ENV_FILE_MISSING', path, `env file ${file} ${why}`)] };
  }
  const parsed = parseEnvFile(read.text);
  // One issue per file (issues at one place are merged), listing every bad line.
  const issues = parsed.problems.length === 0 ? [] : [rawIssue('SLW_CONFIG_ENV_FILE_INVALID', path, `${file}: ${parsed.problems.map((p) => `line ${p.line} ${p.message}`).join('; ')}`)];
  const reserved = Object.keys(parsed.values).filter((k) => k === 'PORT' || k.startsWith('SLIPWAY_'));
  if (reserved.length > 0) issues.push(rawIssue('SLW_CONFIG_RESERVED_ENV', path, `${file} sets ${reserved.join(', ')}, which slipway sets for every instance`));
  return issues.length > 0 ? { issues } : { issues, values: parsed.values };
}
