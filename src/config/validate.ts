/**
 * Validates a parsed slipway.yaml: the base or the chosen environment merged onto it, plus every
 * other overlay (only problems written in that overlay are kept), all issues at once.
 */
import type { Config } from './model.js';
import { formatPath, rawIssue, toConfigIssue, type ConfigIssue, type ConfigPath, type RawIssue } from './issue.js';
import { deepMerge, isPlainObject } from './merge.js';
import { interpolate } from './interpolate.js';
import { configSchema, environmentsSchema } from './schema.js';
import { mapZodIssues, valueAt } from './zod-issues.js';
import { semanticIssues } from './semantic.js';
import { referenceIssues } from './references.js';
import { stackRefIssues } from './outputs-semantic.js';
import { stageIssues } from './stage-audit.js';
import { preflightIssues, type PreflightOptions } from './preflight.js';
import { normalize } from './normalize.js';
import type { ParsedYaml } from './yaml-adapter.js';

export interface ValidateContext {
  readonly file: string;
  readonly dir: string;
  readonly env: string | undefined;
  /** Stage 4 (preflight: ports, directories, commands, disk) on the chosen environment; absent: stages 1–3 only. */
  readonly preflight?: PreflightOptions | undefined;
}

export interface Validated {
  readonly config?: Config;
  readonly issues: ConfigIssue[];
  /** Stage-consistency and preflight warnings of the chosen environment (`check --strict` fails on them). */
  readonly warnings?: ConfigIssue[];
}

export async function validateDocument(doc: ParsedYaml, ctx: ValidateContext): Promise<Validated> {
  const place = placer(doc, ctx.file);
  if (!isPlainObject(doc.data)) {
    return { issues: [place(rawIssue('SLW_CONFIG_INVALID_TYPE', [], 'the file must be a mapping of keys (version, proxy, services…)'), undefined)] };
  }
  const { environments = {}, ...base } = doc.data;
  const issues: ConfigIssue[] = [];
  const envCheck = environmentsSchema.safeParse({ environments });
  if (!envCheck.success) {
    const envIssues = mapZodIssues(envCheck.error.issues, environmentsSchema, { environments });
    issues.push(...envIssues.map((i) => place(i, undefined)));
  }
  const overlays = isPlainObject(environments) ? environments : {};
  const unknownEnv = ctx.env !== undefined && !Object.hasOwn(overlays, ctx.env);
  if (unknownEnv) {
    const declared = Object.keys(overlays);
    const hint = declared.length ? `declared environments: ${declared.join(', ')}.` : 'this file declares no `environments:`.';
    issues.push(place(rawIssue('SLW_CONFIG_UNKNOWN_ENV', ['environments'], `environment "${ctx.env}" is not declared`, { hint, at: 'key' }), undefined));
  }
  const chosen = unknownEnv ? undefined : ctx.env;
  const primary = await validateVariant(base, chosen === undefined ? undefined : overlays[chosen], chosen, ctx);
  issues.push(...primary.issues.filter((i) => !(unknownEnv && i.code === 'SLW_CONFIG_ENV_REQUIRED')).map((i) => place(i, chosen)));
  for (const [name, overlay] of Object.entries(overlays)) {
    if (name === chosen || !isPlainObject(overlay)) continue;
    const other = await validateVariant(base, overlay, name, ctx);
    issues.push(...other.issues.filter((i) => placedIn(doc, i, name)).map((i) => place(i, name)));
  }
  // Stage 4, preflight, last; a finding without a config path (state dir, disk) has no file location.
  const placeFound = (i: RawIssue) => (i.path.length === 0 && !i.anchor ? toConfigIssue(i, undefined) : place(i, chosen));
  const preflight = ctx.preflight ? await preflightIssues(primary.value, ctx.dir, ctx.preflight) : { errors: [], warnings: [] };
  issues.push(...preflight.errors.map(placeFound));
  const unique = dedupe(issues);
  const warnings = dedupe([...primary.warnings.map((i) => place(i, chosen)), ...preflight.warnings.map(placeFound)]);
  if (unique.length > 0 || !primary.parsed) return { issues: unique, warnings };
  const proxyExplicit = isPlainObject(primary.value) && primary.value['proxy'] !== undefined;
  return { config: normalize(primary.parsed, { file: ctx.file, dir: ctx.dir, env: chosen, envFiles: primary.envFiles, proxyExplicit }), issues: [], warnings };
}

async function validateVariant(base: Record<string, unknown>, overlay: unknown, env: string | undefined, ctx: ValidateContext) {
  const { value, issues: interpolationIssues, secretUses, stackUses } = interpolate(deepMerge(base, overlay), env);
  const result = configSchema.safeParse(value);
  const schemaIssues = result.success ? [] : mapZodIssues(result.error.issues, configSchema, value);
  // Stages, all reported at once: schema and semantic checks, then references (secrets, env files).
  const references = await referenceIssues(value, secretUses, ctx.dir);
  // A value with a bad placeholder is reported once, for the placeholder.
  const interpolated = new Set(interpolationIssues.map((i) => formatPath(i.path)));
  const rest = [...schemaIssues, ...(await semanticIssues(value, ctx.dir)), ...references.issues, ...stackRefIssues(value, stackUses)].filter((i) => !interpolated.has(formatPath(i.path)));
  const issues = [...rest, ...interpolationIssues];
  return { issues, value, parsed: result.success ? result.data : undefined, envFiles: references.envFiles, warnings: stageIssues(value, env) };
}

/** Places an issue in the file: in the overlay when the offending value was written there. */
function placer(doc: ParsedYaml, file: string) {
  return (issue: RawIssue, env: string | undefined): ConfigIssue => {
    const { inOverlay, spot } = whereIs(doc, issue, env);
    const placed = inOverlay && env !== undefined ? prefix(issue, ['environments', env]) : issue;
    return toConfigIssue(placed, spot ? { file, line: spot.line, col: spot.col } : undefined);
  };
}

/**
 * An overlay's value wins where it replaced the base (scalars, lists, new keys); where both
 * files hold the same mapping, the base is where it was declared.
 */
function whereIs(doc: ParsedYaml, issue: RawIssue, env: string | undefined) {
  const at = issue.at ?? 'value';
  const anchor = issue.anchor ?? issue.path;
  const base = doc.locate(anchor, at);
  if (env === undefined || anchor.length === 0) return { inOverlay: false, spot: base };
  const overlayPath = ['environments', env, ...anchor];
  const overlay = doc.locate(overlayPath, at);
  if (!overlay?.exact) return { inOverlay: false, spot: base };
  const replaced = !base?.exact || !isPlainObject(valueAt(doc.data, overlayPath));
  return replaced ? { inOverlay: true, spot: overlay } : { inOverlay: false, spot: base };
}

function placedIn(doc: ParsedYaml, issue: RawIssue, env: string): boolean {
  return whereIs(doc, issue, env).inOverlay;
}

function prefix(issue: RawIssue, head: ConfigPath): RawIssue {
  return { ...issue, path: [...head, ...issue.path], ...(issue.anchor ? { anchor: [...head, ...issue.anchor] } : {}) };
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.code}|${i.path}|${i.location?.line}:${i.location?.col}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

