/**
 * Stage consistency (validation stage 3, warnings): in the config chosen with --env, a value that
 * names another stage (`tb-designs-dev` or a staging URL inside production) and services that
 * spell their own stage differently (prod here, production there). Runs on the merged,
 * interpolated data so every finding has a path (and so a file:line:col).
 */
import { replaceRefs } from '../secrets/reference.js';
import { rawIssue, type ConfigPath, type RawIssue } from './issue.js';
import { isPlainObject } from './merge.js';

/** Spellings of each stage, as names of resources, hosts and databases use them. */
const STAGES: Readonly<Record<string, readonly string[]>> = {
  development: ['dev', 'devel', 'develop', 'development', 'local'],
  test: ['test', 'testing', 'qa'],
  staging: ['stage', 'staging', 'stg', 'preprod', 'uat'],
  production: ['prod', 'production', 'prd', 'live'],
};

function stageOf(word: string): string | undefined {
  return Object.keys(STAGES).find((stage) => STAGES[stage]?.includes(word));
}

/** Lower-case words of a value: split on anything not a letter or digit. */
function words(value: string): string[] {
  return replaceRefs(value, () => ' ').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
}

export function stageIssues(data: unknown, env: string | undefined): RawIssue[] {
  if (env === undefined || !isPlainObject(data) || !isPlainObject(data['services'])) return [];
  const own = stageOf(env) ?? env;
  const out: RawIssue[] = [];
  const spellings = new Map<string, ConfigPath>();
  for (const [service, spec] of Object.entries(data['services'])) {
    if (!isPlainObject(spec)) continue;
    for (const { path, value } of auditedValues(service, spec)) {
      for (const word of new Set(words(value))) {
        const stage = stageOf(word);
        if (stage === undefined) continue;
        if (stage !== own) {
          out.push(
            rawIssue('SLW_CONFIG_STAGE_MISMATCH', path, `this value of environment "${env}" names the ${stage} stage ("${word}")`, {
              hint: `Use the ${env} resource here (write it with \${env} so it follows the environment), or set it in the ${env} overlay; \`slipway check --strict\` fails on this warning.`,
            }),
          );
        } else if (![...spellings.keys()].includes(word)) {
          spellings.set(word, path);
        }
      }
    }
  }
  if (spellings.size > 1) {
    const [first, ...others] = [...spellings.entries()];
    for (const [word, path] of others) {
      out.push(
        rawIssue('SLW_CONFIG_STAGE_SPELLING', path, `the ${own} stage is spelled "${word}" here and "${first?.[0]}" elsewhere`, {
          hint: `Pick one spelling for the ${own} stage across services (best: \${env}, which is "${env}").`,
        }),
      );
    }
  }
  return out;
}

/** Values where a stage name means a resource: env values, route hosts, source, run and build. */
function auditedValues(service: string, spec: Record<string, unknown>): { path: ConfigPath; value: string }[] {
  const base = ['services', service];
  const out: { path: ConfigPath; value: string }[] = [];
  if (isPlainObject(spec['env'])) {
    for (const [key, value] of Object.entries(spec['env'])) if (typeof value === 'string') out.push({ path: [...base, 'env', key], value });
  }
  if (Array.isArray(spec['routes'])) {
    spec['routes'].forEach((route: unknown, i) => {
      if (isPlainObject(route) && typeof route['host'] === 'string') out.push({ path: [...base, 'routes', i, 'host'], value: route['host'] });
    });
  }
  for (const key of ['source', 'run', 'build'] as const) {
    const value = spec[key];
    if (typeof value === 'string') out.push({ path: [...base, key], value });
  }
  return out;
}
