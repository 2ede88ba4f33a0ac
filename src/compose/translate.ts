/**
 * `slipway import compose`: a parsed compose file → the content of a slipway.yaml, with every
 * key it could not map listed by its compose path. Pure: reads no file and writes none.
 * Bad values (what Compose itself refuses) fail the whole import, all listed at once.
 */
import { PROJECT_NAME_PATTERN } from '../config/project-name.js';
import { ROUTE_HOST_PATTERN, SERVICE_NAME_PATTERN } from '../config/schema-fields.js';
import { SlipwayError } from '../errors.js';
import { ImportSink, keyPath, type KeyNote } from './import-sink.js';
import { secretNameOf } from './service-env.js';
import { roleOf, translateService, type ServiceRole } from './service-map.js';

type Obj = Record<string, unknown>;

export interface ImportOptions {
  /** The domain the user named (--domain); routes go to it (one web service) or to NAME.host. */
  readonly host?: string | undefined;
  /** A path relative to the compose file → relative to slipway.yaml (identity when both are in one folder). */
  readonly relocate?: (path: string) => string;
}

export interface ComposeImport {
  /** The slipway.yaml content, as plain data. */
  readonly config: Obj;
  readonly untranslated: readonly KeyNote[];
  readonly notes: readonly KeyNote[];
  /** Secrets the config references, to be set with `slipway secrets set` (names only). */
  readonly secrets: readonly string[];
}

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A compose service name as a slipway service name (lower-case, "-"). */
export function serviceNameOf(name: string): string | undefined {
  const out = name.toLowerCase().replace(/[_.]/g, '-');
  return SERVICE_NAME_PATTERN.test(out) ? out : undefined;
}

export function translateCompose(data: unknown, o: ImportOptions = {}): ComposeImport {
  if (o.host !== undefined && !(ROUTE_HOST_PATTERN.test(o.host) && !o.host.startsWith('*'))) {
    throw new SlipwayError('SLW_COMPOSE_ROUTE_HOST', `--domain ${JSON.stringify(o.host)} is not a host name (lower-case, no scheme, no port).`);
  }
  if (!isObj(data)) throw invalid([{ path: '(top)', message: 'the file is not a mapping of compose keys (services:, volumes:, …)' }]);
  const services = data['services'];
  if (!isObj(services)) throw invalid([{ path: 'services', message: services === undefined ? 'is missing' : 'is not a mapping of service names' }]);
  const sink = new ImportSink();
  const roles = new Map<string, ServiceRole>();
  const names = new Map<string, string>();
  for (const [name, svc] of Object.entries(services)) {
    if (!isObj(svc)) {
      sink.problem(`services.${name}`, 'is not a mapping');
      continue;
    }
    const role = roleOf(svc);
    roles.set(name, role);
    if (role === 'proxy') continue;
    const mapped = serviceNameOf(name);
    const taken = [...names].find(([, m]) => m === mapped)?.[0];
    if (mapped === undefined) sink.problem(`services.${name}`, 'cannot be a slipway service name (a letter, then letters, digits, "-", "_" or ".")');
    else if (taken !== undefined) sink.problem(`services.${name}`, `becomes ${mapped} in slipway, like ${taken}: rename one`);
    else names.set(name, mapped);
  }
  // A service whose image cannot be read is not imported: nothing may depend on it (a dry run finds which).
  const importable = new Map(names);
  for (const [name, svc] of Object.entries(services)) {
    const role = roles.get(name);
    if (role === undefined || role === 'proxy' || !isObj(svc)) continue;
    if (translateService(new ImportSink(), { names, host: 'dry.run', relocate: (p) => p }, name, svc, role) === undefined) importable.delete(name);
  }
  const webs = [...roles].filter(([n, r]) => r === 'web' && importable.has(n)).map(([n]) => n);
  const hostOf = (name: string): string => {
    const mapped = names.get(name) ?? name;
    if (o.host === undefined) return `${mapped}.localhost`;
    return webs.length === 1 ? o.host : `${mapped}.${o.host}`;
  };
  const relocate = o.relocate ?? ((p: string) => p);
  const out: Obj = {};
  for (const [name, svc] of Object.entries(services)) {
    const role = roles.get(name);
    const mapped = names.get(name);
    if (role === 'proxy') {
      sink.skip(`services.${name}`, 'is a reverse proxy in front of the app: slipway\'s own proxy takes its place (routes, TLS, headers, rate limits), so it is not imported; carry its rules over to `routes:`');
      continue;
    }
    if (role === undefined || mapped === undefined || !isObj(svc)) continue;
    const translated = translateService(sink, { names: importable, host: hostOf(name), relocate }, name, svc, role);
    if (translated !== undefined) out[mapped] = translated;
  }
  const top = topLevel(sink, data);
  dependencyCycle(sink, out, importable);
  if (sink.problems.length > 0) throw invalid(sink.problems);
  if (Object.keys(out).length === 0) {
    throw new SlipwayError('SLW_COMPOSE_EMPTY', `None of the ${Object.keys(services).length} compose services can run under slipway.`, { details: { untranslated: sink.untranslated } });
  }
  if (o.host === undefined && webs.length > 0) sink.note('services', `routes use placeholder hosts (${webs.map(hostOf).join(', ')}): pass --domain YOUR.DOMAIN or edit routes`);
  const secrets = [...sink.secrets].sort();
  const config: Obj = {
    version: 1,
    ...(top.project === undefined ? {} : { project: top.project }),
    ...(secrets.length > 0 ? { secrets: Object.fromEntries(secrets.map((s) => [s, {}])) } : {}),
    services: out,
  };
  return { config, untranslated: sink.untranslated, notes: sink.notes, secrets };
}

/** Compose refuses services that depend on each other in a circle; so does slipway. Reports the first circle found. */
function dependencyCycle(sink: ImportSink, services: Obj, names: ReadonlyMap<string, string>): void {
  const composeName = new Map([...names].map(([c, s]) => [s, c]));
  const deps = (s: string): string[] => (((services[s] as Obj | undefined)?.['dependsOn'] as string[] | undefined) ?? []);
  const done = new Set<string>();
  const visit = (s: string, trail: string[]): boolean => {
    if (trail.includes(s)) {
      const circle = [...trail.slice(trail.indexOf(s)), s].map((n) => composeName.get(n) ?? n);
      sink.problem(`services.${circle[0] ?? s}.depends_on`, `services depend on each other in a circle: ${circle.join(' → ')}`);
      return true;
    }
    if (done.has(s)) return false;
    done.add(s);
    return deps(s).some((d) => visit(d, [...trail, s]));
  };
  for (const s of Object.keys(services)) if (visit(s, [])) return;
}

function invalid(problems: readonly KeyNote[]): SlipwayError {
  const lines = problems.slice(0, 20).map((p) => `  ${p.path}: ${p.message}`);
  const more = problems.length > 20 ? [`  … and ${problems.length - 20} more`] : [];
  return new SlipwayError('SLW_COMPOSE_INVALID', `The compose file has ${problems.length} bad value${problems.length === 1 ? '' : 's'}:\n${[...lines, ...more].join('\n')}`, {
    details: { issues: problems },
  });
}

const TOP_WHY: Readonly<Record<string, string>> = {
  networks: 'services reach each other at the address slipway gives them (${service:NAME.address} in env)',
  configs: 'slipway has no config files mounted into containers: bake them into the image or use a volume',
  include: 'import each included compose file on its own',
};

function topLevel(sink: ImportSink, data: Obj): { project?: string } {
  let project: string | undefined;
  for (const [key, value] of Object.entries(data)) {
    if (key === 'services') continue;
    if (key === 'version') sink.note(key, 'obsolete in Compose; slipway.yaml has its own version');
    else if (key === 'name') {
      const name = typeof value === 'string' ? value.toLowerCase().replace(/[_.]/g, '-') : '';
      if (PROJECT_NAME_PATTERN.test(name)) project = name;
      else sink.skip(key, 'is not a project name slipway accepts (a letter, then letters, digits, "-")');
    } else if (key === 'volumes') volumesSection(sink, value);
    else if (key === 'secrets') secretsSection(sink, value);
    else if (key.startsWith('x-')) sink.note(key, 'an extension field: its anchors were read where they are used');
    else sink.skip(key, TOP_WHY[key] ?? 'has no slipway equivalent');
  }
  return project === undefined ? {} : { project };
}

function volumesSection(sink: ImportSink, value: unknown): void {
  if (value === null) return;
  if (!isObj(value)) return sink.problem('volumes', 'is not a mapping of volume names');
  for (const [name, spec] of Object.entries(value)) {
    if (spec === null || (isObj(spec) && Object.keys(spec).length === 0)) continue;
    if (!isObj(spec)) {
      sink.problem(keyPath('volumes', name), 'is not a mapping');
      continue;
    }
    for (const key of Object.keys(spec)) sink.skip(keyPath(keyPath('volumes', name), key), 'slipway keeps each volume as a directory in its state dir (no drivers, labels or external volumes)');
  }
}

function secretsSection(sink: ImportSink, value: unknown): void {
  if (!isObj(value)) return sink.problem('secrets', 'is not a mapping of secret names');
  for (const [name, spec] of Object.entries(value)) {
    const at = keyPath('secrets', name);
    const slipway = secretNameOf(name);
    if (slipway === undefined) sink.problem(at, 'cannot be a slipway secret name (letters, digits, "_")');
    else if (isObj(spec) && typeof spec['file'] === 'string') sink.note(at, `its value is not copied: \`slipway secrets set ${slipway} < ${spec['file']}\` stores it encrypted`);
    else if (isObj(spec) && typeof spec['environment'] === 'string') sink.note(at, `Compose read it from $${spec['environment']}: set it with \`slipway secrets set ${slipway}\``);
    else sink.skip(at, 'is an external secret of the engine: set its value with `slipway secrets set`');
  }
}
