/** Parsed `headers` → the model: the preset resolved for the environment, names lower-cased. */
import type { HeadersSpec, PathHeaderRule } from './model.js';
import type { ParsedHeaders } from './headers-schema.js';

/** The preset when none is written: strict in the production environment, relaxed elsewhere. */
export function defaultHeaderPreset(env: string | undefined): HeadersSpec['preset'] {
  return env === 'production' ? 'strict' : 'relaxed';
}

export function headersSpec(written: ParsedHeaders | undefined, env: string | undefined): HeadersSpec {
  if (written === undefined) return { preset: defaultHeaderPreset(env), set: {}, remove: [] };
  if (typeof written === 'string') return { preset: written, set: {}, remove: [] };
  return {
    preset: written.preset ?? defaultHeaderPreset(env),
    set: { ...(written.set ?? {}) },
    remove: [...(written.remove ?? [])],
    ...(written.paths ? { paths: pathRules(written.paths) } : {}),
  };
}

function pathRules(paths: NonNullable<Exclude<ParsedHeaders, string>['paths']>): Record<string, PathHeaderRule> {
  return Object.fromEntries(Object.entries(paths).map(([prefix, rule]) => [prefix, { set: { ...(rule.set ?? {}) }, remove: [...(rule.remove ?? [])] }]));
}
