/** A compose service's healthcheck, limits, isolation and volumes as slipway fields. */
import { posix } from 'node:path';
import { SERVICE_NAME_PATTERN } from '../config/schema-fields.js';
import { composeBytes, composeCpus, composeDurationMs, slipwayDuration, slipwayMemory, stringOrList } from './compose-values.js';
import { keyPath, type ImportSink } from './import-sink.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const DEFAULT_START_MS = 60_000;
const HEALTH_URL = /https?:\/\/(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::\d+)?(\/[^\s'"?#]*)?/;

/**
 * healthcheck → health. A web service is checked over HTTP by the proxy, so the path is taken
 * from the check's curl/wget URL; an accessory gets a TCP check and a worker none (healthy while
 * it runs): slipway runs health commands on the host, where the image's tools (pg_isready,
 * celery inspect) need not exist.
 */
export function translateHealth(sink: ImportSink, base: string, value: unknown, role: 'web' | 'worker' | 'accessory'): Obj | undefined {
  const web = role === 'web';
  const path = keyPath(base, 'healthcheck');
  if (!isObj(value)) {
    sink.problem(path, 'is not a mapping ({ test, interval, timeout, retries, start_period })');
    return undefined;
  }
  const health: Obj = {};
  const test = value['test'];
  const words = typeof test === 'string' ? ['CMD-SHELL', test] : Array.isArray(test) && test.every((t) => typeof t === 'string') ? (test as string[]) : undefined;
  if (value['disable'] === true || words?.[0] === 'NONE') {
    sink.note(path, `is disabled in Compose; slipway still watches every instance (${web ? 'GET /' : role === 'accessory' ? 'a TCP connection' : 'healthy while it runs'})`);
    return role === 'accessory' ? { tcp: true } : undefined;
  }
  if (test !== undefined && words === undefined) sink.problem(keyPath(path, 'test'), 'is neither a command string nor a list ["CMD", …] / ["CMD-SHELL", "…"]');
  const line = (words ?? []).slice(words?.[0] === 'CMD' || words?.[0] === 'CMD-SHELL' ? 1 : 0).join(' ');
  if (web) {
    const url = HEALTH_URL.exec(line);
    if (url) health['path'] = url[1] ?? '/';
    else if (line !== '') sink.skip(keyPath(path, 'test'), `is a command; the proxy checks a web service over HTTP, so its health is GET / (set health.path to your health URL)`);
  } else if (role === 'accessory') {
    health['tcp'] = true;
    if (line !== '') sink.note(keyPath(path, 'test'), 'runs inside the container in Compose; slipway checks this accessory by a TCP connection to its port');
  } else if (line !== '') {
    sink.skip(keyPath(path, 'test'), 'runs inside the container in Compose; slipway runs check commands on the host, so this worker counts as healthy while it runs');
  }
  for (const [key, target] of [['interval', 'interval'], ['timeout', 'timeout']] as const) {
    if (value[key] === undefined) continue;
    const ms = composeDurationMs(value[key]);
    if (ms === undefined || ms <= 0) sink.problem(keyPath(path, key), 'is not a duration such as 10s or 1m30s');
    else health[target] = slipwayDuration(ms);
  }
  const retries = value['retries'];
  if (retries !== undefined) {
    if (typeof retries === 'number' && Number.isInteger(retries) && retries >= 1) health['fall'] = Math.min(retries, 100);
    else sink.problem(keyPath(path, 'retries'), 'is not a whole number from 1');
  }
  if (value['start_period'] !== undefined) {
    const ms = composeDurationMs(value['start_period']);
    if (ms === undefined) sink.problem(keyPath(path, 'start_period'), 'is not a duration such as 30s');
    else if (ms > DEFAULT_START_MS) health['startTimeout'] = slipwayDuration(ms);
  }
  // slipway needs `rise` (2) passing probes within startTimeout; a long interval lengthens the deadline to fit.
  const intervalMs = typeof health['interval'] === 'string' ? (composeDurationMs(health['interval']) ?? 0) : 0;
  const startMs = typeof health['startTimeout'] === 'string' ? (composeDurationMs(health['startTimeout']) ?? DEFAULT_START_MS) : DEFAULT_START_MS;
  if (3 * intervalMs > startMs) health['startTimeout'] = slipwayDuration(3 * intervalMs);
  for (const key of Object.keys(value)) {
    if (!['test', 'interval', 'timeout', 'retries', 'start_period', 'disable'].includes(key)) sink.skip(keyPath(path, key), 'has no slipway equivalent');
  }
  return Object.keys(health).length > 0 ? health : undefined;
}

export interface Limits {
  memory?: string | number;
  cpus?: number;
  pids?: number;
}

/** deploy.resources.limits, mem_limit, cpus and pids_limit → resources. */
export function readLimit(sink: ImportSink, path: string, key: 'memory' | 'cpus' | 'pids', value: unknown, into: Limits): void {
  if (key === 'memory') {
    const bytes = composeBytes(value);
    if (bytes === undefined) sink.problem(path, 'is not a size such as 512M or 1G');
    else if (bytes < 4 * 1024 ** 2) sink.skip(path, 'is below the 4 MiB slipway accepts as a memory limit');
    else into.memory = slipwayMemory(bytes);
  } else if (key === 'cpus') {
    const cpus = composeCpus(value);
    if (cpus === undefined) sink.problem(path, 'is not a number of CPUs such as 0.5');
    else into.cpus = Math.min(1024, Math.max(0.01, Math.round(cpus * 100) / 100));
  } else {
    const pids = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
    if (pids === -1 || pids === 0) sink.note(path, 'means no limit in Compose; slipway sets none');
    else if (!Number.isInteger(pids) || pids < 1) sink.problem(path, 'is not a whole number of processes');
    else into.pids = Math.min(pids, 4_194_304);
  }
}

export function translateDeploy(sink: ImportSink, base: string, value: unknown, limits: Limits): number | undefined {
  const path = keyPath(base, 'deploy');
  if (!isObj(value)) {
    sink.problem(path, 'is not a mapping');
    return undefined;
  }
  let replicas: number | undefined;
  for (const [key, v] of Object.entries(value)) {
    const at = keyPath(path, key);
    if (key === 'replicas') {
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0) replicas = v;
      else sink.problem(at, 'is not a whole number');
    } else if (key === 'resources' && isObj(v)) {
      for (const [rk, rv] of Object.entries(v)) {
        const rat = keyPath(at, rk);
        if (rk !== 'limits') sink.skip(rat, rk === 'reservations' ? 'slipway reserves nothing; only limits are enforced' : 'has no slipway equivalent');
        else if (!isObj(rv)) sink.problem(rat, 'is not a mapping of memory, cpus, pids');
        else for (const [lk, lv] of Object.entries(rv)) lk === 'memory' || lk === 'cpus' || lk === 'pids' ? readLimit(sink, keyPath(rat, lk), lk, lv, limits) : sink.skip(keyPath(rat, lk), 'has no slipway equivalent');
      }
    } else if (key === 'restart_policy') sink.note(at, 'slipway restarts an instance that exits or fails its health checks, with backoff');
    else if (key === 'update_config' || key === 'rollback_config') sink.note(at, 'slipway replaces instances blue-green (health-gated, instant rollback); see `strategy`');
    else sink.skip(at, key === 'placement' ? 'slipway runs every service on this host' : 'has no slipway equivalent');
  }
  return replicas;
}

const TMPFS_PATH = /^\/[^\0:,]*$/;

/** tmpfs paths (options after ":" dropped); refused on a writable root, where slipway has no tmpfs. */
export function translateTmpfs(sink: ImportSink, base: string, value: unknown, readOnly: boolean): string[] | undefined {
  const path = keyPath(base, 'tmpfs');
  const list = stringOrList(value);
  if (list === undefined) {
    sink.problem(path, 'is neither a path nor a list of paths');
    return undefined;
  }
  if (!readOnly) {
    sink.skip(path, 'slipway mounts tmpfs paths only on a read-only container (read_only: true); this one\'s root file system is writable');
    return undefined;
  }
  const out: string[] = [];
  for (const [i, entry] of (Array.isArray(list) ? list : [list]).entries()) {
    const dir = entry.split(':')[0] ?? '';
    if (!TMPFS_PATH.test(dir)) sink.problem(keyPath(path, i), 'is not an absolute path');
    else {
      if (dir !== entry) sink.note(keyPath(path, i), `options "${entry.slice(dir.length + 1)}" are left to the engine's defaults`);
      out.push(dir);
    }
  }
  return out;
}

/** A compose volume name as a slipway volume name (lower-case, "-"). */
export function volumeNameOf(name: string): string | undefined {
  const out = name.toLowerCase().replace(/[_.]/g, '-');
  return SERVICE_NAME_PATTERN.test(out) ? out : undefined;
}

/** volumes: named volumes → slipway volumes at the same container path; bind mounts are listed. */
export function translateVolumes(sink: ImportSink, base: string, value: unknown): Record<string, { path: string }> {
  const path = keyPath(base, 'volumes');
  const out: Record<string, { path: string }> = {};
  if (!Array.isArray(value)) {
    sink.problem(path, 'is not a list');
    return out;
  }
  for (const [i, entry] of value.entries()) {
    const at = keyPath(path, i);
    const spec = volumeSpec(entry);
    if (spec === undefined) {
      sink.problem(at, 'is not "SOURCE:TARGET[:MODE]" or { type, source, target }');
      continue;
    }
    if (spec.bind) {
      sink.skip(at, `binds the host path ${spec.source} into the container; slipway mounts named volumes only (make it a named volume, or bake the files into the image)`);
      continue;
    }
    if (spec.source === '') {
      sink.skip(at, `is an anonymous volume at ${spec.target}; name it in Compose to keep its data in slipway`);
      continue;
    }
    const name = volumeNameOf(spec.source);
    if (name === undefined || !posix.isAbsolute(spec.target) || posix.normalize(spec.target) === '/') {
      sink.problem(at, `volume ${spec.source} at ${spec.target} cannot be a slipway volume (a name of letters, digits, "-" and an absolute path below /)`);
      continue;
    }
    if (name !== spec.source) sink.note(at, `volume ${spec.source} is named ${name} in slipway`);
    if (spec.readOnly) sink.note(at, 'mounted read-write: slipway volumes have no read-only mode');
    out[name] = { path: spec.target };
  }
  return out;
}

interface VolumeSpec {
  readonly source: string;
  readonly target: string;
  readonly bind: boolean;
  readonly readOnly: boolean;
}

function volumeSpec(entry: unknown): VolumeSpec | undefined {
  if (typeof entry === 'string') {
    const parts = entry.split(':');
    if (parts.length === 1) return parts[0]?.startsWith('/') ? { source: '', target: parts[0], bind: false, readOnly: false } : undefined;
    const [source = '', target = '', mode = ''] = parts;
    if (parts.length > 3 || target === '' || source === '') return undefined;
    return { source, target, bind: /^[./~]/.test(source), readOnly: mode.split(',').includes('ro') };
  }
  if (!isObj(entry) || typeof entry['target'] !== 'string') return undefined;
  const type = entry['type'] ?? 'volume';
  const source = typeof entry['source'] === 'string' ? entry['source'] : '';
  return { source, target: entry['target'], bind: type !== 'volume' || /^[./~]/.test(source), readOnly: entry['read_only'] === true };
}
