/**
 * References to secrets inside env values. The config keeps `${secret:NAME}` as a reference,
 * never a value: normalize turns it into a marker that cannot appear in a real environment
 * variable (it holds NUL bytes, which execve refuses), so an unresolved reference can never
 * reach an app silently; the daemon resolves markers when an instance starts.
 *
 *   value marker: \0secret:<env>:<NAME>[.<part>]\0
 *   file marker:  \0secret-file:<env>:<NAME>[.<part>]\0   (the whole value of a NAME_FILE variable)
 */
export const SECRET_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** NAME or NAME.part (a part of a key pair: publicKey, privateKey). */
export const SECRET_REF_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9]*)?$/;

const MARKER = /\0(secret|secret-file):([^:\0]*):([^\0]+)\0/g;

export interface SecretRef {
  readonly kind: 'value' | 'file';
  /** Store the value comes from: the config's environment, or "default". */
  readonly env: string;
  /** NAME or NAME.part */
  readonly ref: string;
}

export function valueMarker(env: string, ref: string): string {
  return `\0secret:${env}:${ref}\0`;
}

export function fileMarker(env: string, ref: string): string {
  return `\0secret-file:${env}:${ref}\0`;
}

/** The secret name of a reference (without its part). */
export function nameOf(ref: string): string {
  return ref.split('.')[0] ?? ref;
}

/** Every secret reference in a value, in order. */
export function refsIn(value: string): SecretRef[] {
  return [...value.matchAll(MARKER)].map((m) => ({ kind: m[1] === 'secret-file' ? 'file' : 'value', env: m[2] ?? '', ref: m[3] ?? '' }));
}

export function hasRefs(value: string): boolean {
  return value.includes('\0secret');
}

/** Replaces every marker by what `lookup` gives for it. */
export function replaceRefs(value: string, lookup: (ref: SecretRef) => string): string {
  return value.replace(MARKER, (_m, kind: string, env: string, ref: string) => lookup({ kind: kind === 'secret-file' ? 'file' : 'value', env, ref }));
}

/** How a reference is shown to people: ${secret:NAME} (or <file of NAME>). */
export function displayRefs(value: string): string {
  return replaceRefs(value, (r) => (r.kind === 'file' ? `<file of ${r.ref}>` : `\${secret:${r.ref}}`));
}

/** The environment variable that carries the path of a mounted secret file: NAME_FILE, NAME_PART_FILE. */
export function fileVarOf(ref: string): string {
  return `${ref.replace('.', '_').replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}_FILE`;
}

/** The store of a config without --env. */
export const DEFAULT_SECRETS_ENV = 'default';

/** An env without the variables that carry secret references (builds get no secrets). */
export function withoutSecretRefs(env: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => !hasRefs(v)));
}
