/** One compose service as one slipway service: image or build, how it runs, its kind, port and route. */
import { posix } from 'node:path';
import { IMAGE_REF_PATTERN } from '../config/container-schema.js';
import { ENV_VAR_PATTERN } from '../config/schema-fields.js';
import { composeDurationMs, composeInterpolation, withDefaults, composeKeyValues, composePort, slipwayDuration, stringOrList } from './compose-values.js';
import { keyPath, type ImportSink } from './import-sink.js';
import { escapeLiteral, looksSecret, translateEnvFile, translateEnvironment, translateServiceSecrets } from './service-env.js';
import { readLimit, translateDeploy, translateHealth, translateTmpfs, translateVolumes, type Limits } from './service-limits.js';

type Obj = Record<string, unknown>;

export type ServiceRole = 'web' | 'worker' | 'accessory' | 'proxy';

export interface ServiceContext {
  /** Compose name → slipway name of every service imported. */
  readonly names: ReadonlyMap<string, string>;
  /** The route host of this service when it is a web service. */
  readonly host: string;
  /** A path relative to the compose file → relative to slipway.yaml. */
  readonly relocate: (path: string) => string;
}

const PROXY_IMAGE = /^(?:[^/]+\/)*(?:nginx|openresty|traefik|caddy|haproxy|envoy|nginx-proxy)(?:[:@]|$)/;
const ACCESSORY_IMAGE = /^(?:[^/]+\/)*(?:postgres|postgis|timescaledb|mysql|mariadb|redis|valkey|keydb|mongo|memcached|rabbitmq|elasticsearch|opensearch|minio|clickhouse|nats|kafka|zookeeper)(?:[:@-]|$)/;

/** What a compose service is: a reverse proxy in front of the app (slipway's proxy replaces it), a datastore, a web service or a worker. */
export function roleOf(svc: Obj): ServiceRole {
  const image = typeof svc['image'] === 'string' ? svc['image'] : '';
  const build = svc['build'];
  const context = typeof build === 'string' ? build : build !== null && typeof build === 'object' && typeof (build as Obj)['context'] === 'string' ? String((build as Obj)['context']) : '';
  const published = [svc['ports'], svc['expose']].some((p) => Array.isArray(p) && p.length > 0);
  if (PROXY_IMAGE.test(image) || (image === '' && /(?:^|\/)(?:nginx|caddy|traefik|haproxy|proxy)\/?$/.test(context))) return 'proxy';
  if (ACCESSORY_IMAGE.test(image)) return 'accessory';
  return published ? 'web' : 'worker';
}

/** Keys this file translates; anything else is listed as having no slipway equivalent. */
const HANDLED = new Set([
  'image', 'build', 'command', 'entrypoint', 'ports', 'expose', 'environment', 'env_file', 'secrets', 'volumes', 'depends_on', 'healthcheck',
  'deploy', 'mem_limit', 'cpus', 'pids_limit', 'read_only', 'tmpfs', 'user', 'cap_add', 'cap_drop', 'security_opt', 'restart', 'stop_grace_period',
]);

const WHY_NOT: Readonly<Record<string, string>> = {
  container_name: 'slipway names each container after its release',
  networks: 'services reach each other at the address slipway gives them (${service:NAME.address} in env)',
  network_mode: 'slipway publishes each instance on a loopback port',
  links: 'services reach each other at the address slipway gives them (${service:NAME.address} in env)',
  labels: 'slipway labels containers with project, service and release',
  logging: 'slipway keeps each instance\'s output (`slipway logs`)',
  privileged: 'slipway runs containers unprivileged with every capability dropped (cap_add gives some back)',
  profiles: 'every service of slipway.yaml is deployed',
};

export function translateService(sink: ImportSink, ctx: ServiceContext, name: string, svc: Obj, role: Exclude<ServiceRole, 'proxy'>): Obj | undefined {
  const base = `services.${name}`;
  const out: Obj = {};
  if (!source(sink, ctx, base, svc, out)) return undefined;
  if (role !== 'web') out['kind'] = role;
  const run = runOf(sink, base, svc);
  if (run !== undefined) out['run'] = run;
  if (role === 'web') webPort(sink, ctx, base, svc, out);
  else if (svc['ports'] !== undefined) sink.note(keyPath(base, 'ports'), `not published: slipway gives the ${role} a loopback port, found by other services as \${service:${ctx.names.get(name) ?? name}.address}`);
  if (svc['environment'] !== undefined) out['env'] = translateEnvironment(sink, base, svc['environment'], ctx.names);
  if (svc['env_file'] !== undefined) {
    const file = translateEnvFile(sink, base, svc['env_file'], ctx.relocate);
    if (file !== undefined) out['envFile'] = file;
  }
  if (svc['secrets'] !== undefined) out['secretFiles'] = translateServiceSecrets(sink, base, svc['secrets']);
  if (svc['volumes'] !== undefined) out['volumes'] = translateVolumes(sink, base, svc['volumes']);
  if (svc['depends_on'] !== undefined) out['dependsOn'] = dependsOn(sink, ctx, base, svc['depends_on']);
  addressDependencies(sink, base, out);
  if (svc['healthcheck'] !== undefined) {
    const health = translateHealth(sink, base, svc['healthcheck'], role);
    if (health !== undefined) out['health'] = health;
  } else if (role === 'accessory') out['health'] = { tcp: true };
  isolation(sink, base, svc, out, role);
  for (const key of Object.keys(svc)) {
    if (!HANDLED.has(key)) sink.skip(keyPath(base, key), WHY_NOT[key] ?? 'has no slipway equivalent');
  }
  return compact(out);
}

function compact(o: Obj): Obj {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => !(v !== null && typeof v === 'object' && Object.keys(v).length === 0)));
}

/** image → image; build → dockerfile/context/target/buildArgs (build wins when both are given). */
function source(sink: ImportSink, ctx: ServiceContext, base: string, svc: Obj, out: Obj): boolean {
  const image = svc['image'];
  const build = svc['build'];
  if (build !== undefined) {
    const spec = typeof build === 'string' ? { context: build } : build !== null && typeof build === 'object' && !Array.isArray(build) ? (build as Obj) : undefined;
    const context = spec === undefined ? undefined : (spec['context'] ?? '.');
    if (typeof context !== 'string' || context === '') {
      sink.problem(keyPath(base, 'build'), 'is neither a directory nor { context, dockerfile, target, args }');
      return false;
    }
    if (/^[a-z]+:\/\/|^git@/.test(context)) {
      sink.skip(keyPath(base, 'build'), `builds from a remote repository; slipway builds from a directory on this host: clone it beside slipway.yaml`);
      if (typeof image !== 'string') return false;
    } else {
      const dockerfile = typeof spec?.['dockerfile'] === 'string' ? spec['dockerfile'] : 'Dockerfile';
      out['dockerfile'] = ctx.relocate(posix.join(context, dockerfile));
      out['context'] = ctx.relocate(context);
      buildExtras(sink, keyPath(base, 'build'), spec ?? {}, out);
      if (typeof image === 'string') sink.note(keyPath(base, 'image'), `is Compose's tag for the build; slipway tags each release's image itself (the previous one is what rollback runs)`);
      return true;
    }
  }
  if (typeof image !== 'string' || image === '') {
    sink.problem(base, typeof image === 'string' || image === undefined ? 'has neither image nor build' : 'image is not a string');
    return false;
  }
  const text = composeInterpolation(image);
  const name = text.kind === 'literal' ? text.text : withDefaults(image);
  if (name === undefined) {
    sink.skip(keyPath(base, 'image'), `uses shell variables without defaults: write the image name out`);
    return false;
  }
  if (!IMAGE_REF_PATTERN.test(name)) {
    sink.problem(keyPath(base, 'image'), `"${name}" is not an image reference (lower-case NAME[:TAG])`);
    return false;
  }
  if (text.kind === 'variables') sink.note(keyPath(base, 'image'), `read with the defaults of its shell variables: ${name}`);
  out['image'] = name;
  return true;
}

function buildExtras(sink: ImportSink, path: string, spec: Obj, out: Obj): void {
  if (typeof spec['target'] === 'string') out['target'] = spec['target'];
  if (spec['args'] !== undefined) {
    const args = composeKeyValues(spec['args']);
    if (args === undefined) sink.problem(keyPath(path, 'args'), 'is neither a mapping nor a list of "NAME=value"');
    const kept: Obj = {};
    for (const [k, v] of args ?? []) {
      const at = keyPath(keyPath(path, 'args'), k);
      const text = typeof v === 'string' ? composeInterpolation(v) : undefined;
      if (!ENV_VAR_PATTERN.test(k)) sink.skip(at, 'is not an argument name slipway accepts (letters, digits, "_")');
      else if (v === null || looksSecret(k, v)) sink.skip(at, v === null ? 'takes its value from the shell: write it out' : 'looks secret, and build arguments stay in the image\'s history: pass it at run time (env with ${secret:…}) instead');
      else if (text?.kind === 'variables') sink.skip(at, 'uses shell variables: write the value out');
      else kept[k] = text === undefined ? v : escapeLiteral(text.text);
    }
    if (Object.keys(kept).length > 0) out['buildArgs'] = kept;
  }
  for (const key of Object.keys(spec)) {
    if (!['context', 'dockerfile', 'target', 'args'].includes(key)) sink.skip(keyPath(path, key), 'slipway builds with the engine\'s defaults (context, dockerfile, target and args only)');
  }
}

/** command (with entrypoint before it) → run. */
function runOf(sink: ImportSink, base: string, svc: Obj): string | string[] | undefined {
  const command = svc['command'] === undefined ? undefined : stringOrList(svc['command']);
  const entrypoint = svc['entrypoint'] === undefined ? undefined : stringOrList(svc['entrypoint']);
  if (svc['command'] !== undefined && command === undefined) sink.problem(keyPath(base, 'command'), 'is neither a string nor a list of strings');
  if (svc['entrypoint'] !== undefined && entrypoint === undefined) sink.problem(keyPath(base, 'entrypoint'), 'is neither a string nor a list of strings');
  if (entrypoint === undefined || (Array.isArray(entrypoint) && entrypoint.length === 0)) return command === undefined || command.length === 0 ? undefined : literalCommand(sink, keyPath(base, 'command'), command);
  sink.note(keyPath(base, 'entrypoint'), 'joined in front of the command as `run`; an ENTRYPOINT the image declares still runs first');
  const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : v.split(/\s+/).filter(Boolean));
  return literalCommand(sink, keyPath(base, 'entrypoint'), [...list(entrypoint), ...list(command)]);
}

/** Compose's `$$` is a literal `$` (e.g. `$$PORT`, read by the shell in the container); a shell variable Compose would fill in is listed. */
function literalCommand(sink: ImportSink, path: string, command: string | string[]): string | string[] | undefined {
  const words = Array.isArray(command) ? command : [command];
  const out: string[] = [];
  for (const w of words) {
    const text = composeInterpolation(w);
    if (text.kind === 'variables') {
      sink.skip(path, `uses the shell variables ${text.names.map((n) => `$${n}`).join(', ')}, which Compose fills in from the shell: write the command out (the image's CMD runs meanwhile)`);
      return undefined;
    }
    out.push(text.text);
  }
  return Array.isArray(command) ? out : out[0];
}

/** The app's port (from ports/expose) becomes $PORT; the route goes to the host the user named. */
function webPort(sink: ImportSink, ctx: ServiceContext, base: string, svc: Obj, out: Obj): void {
  const entries = [...(Array.isArray(svc['ports']) ? svc['ports'].map((p, i) => [keyPath(keyPath(base, 'ports'), i), p] as const) : []), ...(Array.isArray(svc['expose']) ? svc['expose'].map((p, i) => [keyPath(keyPath(base, 'expose'), i), p] as const) : [])];
  for (const key of ['ports', 'expose']) if (svc[key] !== undefined && !Array.isArray(svc[key])) sink.problem(keyPath(base, key), 'is not a list');
  const ports = entries.map(([at, p]) => [at, composePort(p)] as const);
  for (const [at, p] of ports) if (p === undefined) sink.problem(at, 'is not a port mapping such as "8080:80", "80" or { target, published }');
  const valid = ports.filter((e): e is readonly [string, { container: number; published?: number }] => e[1] !== undefined);
  const [first, ...rest] = valid;
  if (first === undefined) return;
  out['routes'] = [{ host: ctx.host }];
  sink.note(first[0], `the app listened on ${first[1].container} in Compose; under slipway it must listen on $PORT (set per instance, published on 127.0.0.1), and traffic reaches it through the route ${ctx.host}`);
  for (const [at, p] of rest) if (p.container !== first[1].container) sink.skip(at, `a second port (${p.container}): slipway routes one port per service`);
}

function dependsOn(sink: ImportSink, ctx: ServiceContext, base: string, value: unknown): string[] {
  const path = keyPath(base, 'depends_on');
  const names = Array.isArray(value) ? value : value !== null && typeof value === 'object' ? Object.keys(value) : undefined;
  if (names === undefined || !names.every((n): n is string => typeof n === 'string')) {
    sink.problem(path, 'is neither a list of service names nor a mapping of them');
    return [];
  }
  const out: string[] = [];
  for (const n of names) {
    const mapped = ctx.names.get(n);
    if (mapped !== undefined) out.push(mapped);
    else sink.note(keyPath(path, n), `${n} is not imported (a reverse proxy, or a service slipway could not translate): dependency dropped`);
  }
  return out;
}

/** A service that reads another's ${service:NAME.address} must depend on it (deployed first, so the address exists). */
function addressDependencies(sink: ImportSink, base: string, out: Obj): void {
  const deps = new Set((out['dependsOn'] as string[] | undefined) ?? []);
  const added: string[] = [];
  for (const value of Object.values((out['env'] as Obj | undefined) ?? {})) {
    for (const m of String(value).matchAll(/\$\{service:([a-z][a-z0-9-]*)\.address\}/g)) {
      const name = m[1] ?? '';
      if (!deps.has(name)) added.push(name);
      deps.add(name);
    }
  }
  if (added.length === 0) return;
  out['dependsOn'] = [...deps];
  sink.note(keyPath(base, 'depends_on'), `${added.join(', ')} added: this service reads ${added.length === 1 ? 'its address' : 'their addresses'}, so slipway deploys ${added.length === 1 ? 'it' : 'them'} first`);
}

function isolation(sink: ImportSink, base: string, svc: Obj, out: Obj, role: string): void {
  const limits: Limits = {};
  if (svc['deploy'] !== undefined) {
    const replicas = translateDeploy(sink, base, svc['deploy'], limits);
    if (replicas !== undefined && replicas !== 1) {
      if (role === 'accessory' || replicas === 0) sink.skip(keyPath(keyPath(base, 'deploy'), 'replicas'), `${replicas} replicas: slipway runs ${role === 'accessory' ? 'one instance of an accessory' : 'at least one instance'}`);
      else out['instances'] = Math.min(replicas, 64);
    }
  }
  if (svc['mem_limit'] !== undefined) readLimit(sink, keyPath(base, 'mem_limit'), 'memory', svc['mem_limit'], limits);
  if (svc['cpus'] !== undefined) readLimit(sink, keyPath(base, 'cpus'), 'cpus', svc['cpus'], limits);
  if (svc['pids_limit'] !== undefined) readLimit(sink, keyPath(base, 'pids_limit'), 'pids', svc['pids_limit'], limits);
  if (Object.keys(limits).length > 0) out['resources'] = limits;
  const readOnly = svc['read_only'] === true;
  if (svc['read_only'] !== undefined && typeof svc['read_only'] !== 'boolean') sink.problem(keyPath(base, 'read_only'), 'is not true or false');
  if (readOnly) out['readOnly'] = true;
  if (svc['tmpfs'] !== undefined) {
    const tmpfs = translateTmpfs(sink, base, svc['tmpfs'], readOnly);
    if (tmpfs !== undefined && tmpfs.length > 0) out['tmpfs'] = tmpfs;
  }
  const user = svc['user'];
  if (typeof user === 'number' || typeof user === 'string') {
    if (/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,31})?$/.test(String(user))) out['user'] = String(user);
    else sink.skip(keyPath(base, 'user'), 'is not NAME, UID or UID:GID');
  } else if (user !== undefined) sink.problem(keyPath(base, 'user'), 'is not a user');
  capabilities(sink, base, svc, out);
  if (svc['restart'] !== undefined) sink.note(keyPath(base, 'restart'), 'slipway restarts an instance that exits or fails its health checks, with backoff');
  if (svc['stop_grace_period'] !== undefined) {
    const ms = composeDurationMs(svc['stop_grace_period']);
    if (ms === undefined) sink.problem(keyPath(base, 'stop_grace_period'), 'is not a duration such as 10s');
    else out['stopTimeout'] = slipwayDuration(ms);
  }
}

const CAPABILITY = /^(?:CAP_)?([A-Z_]{2,32})$/;

function capabilities(sink: ImportSink, base: string, svc: Obj, out: Obj): void {
  const add = svc['cap_add'];
  if (add !== undefined) {
    const names = Array.isArray(add) ? add.map((c) => (typeof c === 'string' ? CAPABILITY.exec(c.toUpperCase())?.[1] : undefined)) : [undefined];
    if (names.includes('ALL')) sink.skip(keyPath(base, 'cap_add'), 'ALL: slipway gives back named capabilities only');
    else if (names.every((n): n is string => n !== undefined)) out['capabilities'] = { add: names };
    else sink.problem(keyPath(base, 'cap_add'), 'is not a list of capability names');
  }
  if (svc['cap_drop'] !== undefined) sink.note(keyPath(base, 'cap_drop'), 'slipway drops every capability already (cap_add gives some back)');
  const opts = svc['security_opt'];
  if (opts !== undefined) {
    if (!Array.isArray(opts)) sink.problem(keyPath(base, 'security_opt'), 'is not a list');
    else for (const [i, o] of opts.entries()) {
      if (typeof o === 'string' && /^no-new-privileges(?:[:=]true)?$/.test(o)) sink.note(keyPath(keyPath(base, 'security_opt'), i), 'slipway sets no-new-privileges on every container already');
      else sink.skip(keyPath(keyPath(base, 'security_opt'), i), 'slipway sets no-new-privileges only; other security options keep the engine\'s defaults');
    }
  }
}
