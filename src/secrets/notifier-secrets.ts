/**
 * Alert notifier settings written as ${secret:NAME} (the webhook `secret`, webhook, Slack and
 * Alertmanager `url`, the email `smtp` URL) stay references (markers) in the config; the daemon
 * resolves them from the store when it builds the notifiers (src/daemon/alert-wiring.ts), and
 * every value it reads goes to the redactor first.
 */
import type { NotifierSpec } from '../config/alerts-model.js';
import { SlipwayError } from '../errors.js';
import type { SecretSource } from './injecting-driver.js';
import type { Redactor } from './redactor.js';
import { hasRefs, nameOf, refsIn, replaceRefs, type SecretRef } from './reference.js';

/** The settings of a notifier that may hold a reference, by type. */
const FIELDS = { webhook: ['url', 'secret'], slack: ['url'], email: ['smtp'], alertmanager: ['url'] } as const;

type Field = 'url' | 'secret' | 'smtp';

function fieldsOf(spec: NotifierSpec): [Field, string][] {
  // FIELDS names, per type, only string settings of that type's spec: read them by name.
  const record = spec as unknown as Record<string, unknown>;
  return (FIELDS[spec.type] as readonly Field[]).flatMap((f) => (typeof record[f] === 'string' ? [[f, record[f]] as [Field, string]] : []));
}

/** The secret references of a notifier's settings, in order. */
export function notifierRefs(spec: NotifierSpec): SecretRef[] {
  return fieldsOf(spec).flatMap(([, value]) => refsIn(value));
}

export function notifierHasRefs(spec: NotifierSpec): boolean {
  return fieldsOf(spec).some(([, value]) => hasRefs(value));
}

/**
 * The notifier with every reference replaced by its stored value. Secrets without a value are
 * reported together (SLW_SECRETS_MISSING); a value that does not fit its setting (a webhook key
 * under 16 characters, a URL that does not parse) is SLW_ALERT_BAD_SECRET, without the value.
 */
export async function resolveNotifierSecrets(spec: NotifierSpec, source: SecretSource, redactor: Redactor): Promise<NotifierSpec> {
  if (!notifierHasRefs(spec)) return spec;
  const values = new Map<string, string>();
  const missing: SecretRef[] = [];
  for (const ref of notifierRefs(spec)) {
    const key = `${ref.env}:${ref.ref}`;
    if (values.has(key) || missing.some((m) => `${m.env}:${m.ref}` === key)) continue;
    try {
      const secret = await source.get(ref.env, ref.ref);
      redactor.add(secret);
      values.set(key, secret.reveal());
    } catch (err) {
      if (err instanceof SlipwayError && err.code === 'SLW_SECRETS_UNKNOWN') missing.push(ref);
      else throw err;
    }
  }
  if (missing.length > 0) {
    const names = [...new Set(missing.map((m) => nameOf(m.ref)))];
    const env = missing[0]?.env ?? '';
    throw new SlipwayError('SLW_SECRETS_MISSING', `Notifier "${spec.name}" (${spec.type}) needs ${names.join(', ')}, which environment "${env}" has no value for; it sends nothing until ${names.length === 1 ? 'it is' : 'they are'} set.`, {
      hint: `Set ${names.length === 1 ? 'it' : 'each'} with \`slipway secrets set NAME${env === 'default' ? '' : ` --env ${env}`}\`; the next notification (or \`slipway alerts test ${spec.name}\`) reads ${names.length === 1 ? 'it' : 'them'}.`,
      details: { env, missing: names, notifier: spec.name },
    });
  }
  const resolved: Record<string, unknown> = { ...spec };
  for (const [field, value] of fieldsOf(spec)) {
    if (!hasRefs(value)) continue;
    const names = refsIn(value).map((r) => nameOf(r.ref));
    const plain = field === 'secret' ? replaceRefs(value, (r) => values.get(`${r.env}:${r.ref}`) ?? '') : inUrl(value, (env, ref) => values.get(`${env}:${ref}`) ?? '');
    const problem = fieldProblem(field, spec.type, plain);
    if (problem) {
      throw new SlipwayError('SLW_ALERT_BAD_SECRET', `The ${field} of notifier "${spec.name}" (${spec.type}), read from ${names.join(', ')}, ${problem}.`, {
        details: { notifier: spec.name, field, secrets: names },
      });
    }
    resolved[field] = field === 'secret' ? plain : plain.trim();
  }
  // The spec it was copied from, with string settings replaced by strings: still that type's spec.
  return resolved as unknown as NotifierSpec;
}

const MARKER = /\0secret:([^:\0]*):([^\0]+)\0/g;

/**
 * The references of a URL replaced by their values; a value in the user:password part is
 * percent-encoded there (a password may hold "@", "/" or ":"), as URLs want it.
 */
function inUrl(url: string, value: (env: string, ref: string) => string): string {
  return url.replace(MARKER, (_m, env: string, ref: string, offset: number) => {
    const plain = value(env, ref);
    const before = url.slice(0, offset);
    const after = url.slice(offset).split(/[/?#]/)[0] ?? '';
    return /^[a-z][a-z0-9+.-]*:\/\/[^/?#@]*$/i.test(before) && after.includes('@') ? encodeURIComponent(plain) : plain;
  });
}

/** What is wrong with a resolved value, in words that never quote it. */
function fieldProblem(field: Field, type: NotifierSpec['type'], value: string): string | undefined {
  if (field === 'secret') return value.length >= 16 ? undefined : 'is shorter than 16 characters';
  const protocols = type === 'email' ? ['smtp:', 'smtps:'] : ['http:', 'https:'];
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return `is not a URL (expected ${protocols.map((p) => `${p}//…`).join(' or ')})`;
  }
  return protocols.includes(url.protocol) ? undefined : `is not a ${protocols.map((p) => p.slice(0, -1)).join(' or ')} URL`;
}
