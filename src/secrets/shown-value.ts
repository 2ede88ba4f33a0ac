import { createHash } from 'node:crypto';
import { displayRefs, hasRefs, nameOf, refsIn } from './reference.js';

/**
 * An env value as plan and diff show it: plain values as they are; a value holding secret
 * references as a short hash of the value as written (`${secret:NAME}`, not the secret), with
 * the names it references. The hash leaves out the store a reference reads from, so the same
 * template compares equal across environments; it cannot see a rotated secret.
 */
export type ShownValue =
  | { readonly kind: 'plain'; readonly value: string }
  | { readonly kind: 'secret'; readonly hash: string; readonly secrets: string[] };

export function showEnvValue(value: string): ShownValue {
  if (!hasRefs(value)) return { kind: 'plain', value };
  const hash = createHash('sha256').update(displayRefs(value)).digest('hex').slice(0, 12);
  return { kind: 'secret', hash: `sha256:${hash}`, secrets: [...new Set(refsIn(value).map((r) => nameOf(r.ref)))].sort() };
}

export function showEnv(env: Readonly<Record<string, string>>): Record<string, ShownValue> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, showEnvValue(v)]));
}

/** How a shown value is printed: the value, or `[secret sha256:… (NAME, …)]`. */
export function renderShown(v: ShownValue): string {
  return v.kind === 'plain' ? JSON.stringify(v.value) : `[secret ${v.hash} (${v.secrets.join(', ')})]`;
}
