/**
 * Checks of a service's container fields on the raw data: one image source, build fields only
 * beside a Dockerfile that exists inside its context, a start command where no image gives one,
 * and the process-only fields refused on a container service.
 */
import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, posix, relative, resolve } from 'node:path';
import { rawIssue, type RawIssue } from './issue.js';
import { isPlainObject } from './merge.js';

/** A POSIX user name as useradd accepts it. */
const SYSTEM_USER = /^[a-z_][a-z0-9_-]{0,31}$/;

/** A service runs on the container driver when it names an image or a Dockerfile. */
export function isContainerService(service: Record<string, unknown>): boolean {
  return service['image'] !== undefined || service['dockerfile'] !== undefined;
}

export async function containerIssues(name: string, service: Record<string, unknown>, dir: string): Promise<RawIssue[]> {
  const at = (key: string) => ['services', name, key];
  const out: RawIssue[] = [];
  const image = service['image'];
  const dockerfile = service['dockerfile'];
  if (image !== undefined && dockerfile !== undefined) {
    out.push(rawIssue('SLW_CONFIG_IMAGE_CONFLICT', at('dockerfile'), `${name} names both an image and a Dockerfile: give one`));
  }
  if (dockerfile === undefined) {
    for (const key of ['context', 'target', 'buildArgs']) {
      if (service[key] !== undefined) out.push(rawIssue('SLW_CONFIG_DOCKERFILE_FIELD', at(key), `${name} sets ${key}, which only a service with \`dockerfile:\` uses`));
    }
  }
  if (!isContainerService(service)) {
    // `user:` of a process service is a system user the host must know (uid/gid at spawn).
    const user = service['user'];
    if (typeof user === 'string' && !SYSTEM_USER.test(user)) {
      out.push(rawIssue('SLW_CONFIG_INVALID_TYPE', at('user'), `${name} runs as a process, so \`user:\` is a system user name such as postgres (not a UID or UID:GID), got "${user}"`));
    }
    for (const key of ['readOnly', 'tmpfs', 'capabilities']) {
      if (service[key] !== undefined) {
        out.push(rawIssue('SLW_CONFIG_CONTAINER_ONLY', at(key), `${name} runs as a process, and \`${key}:\` is enforced for container services only (image or dockerfile)`));
      }
    }
    out.push(...processLimitIssues(name, service));
    if (service['run'] === undefined) {
      out.push(rawIssue('SLW_CONFIG_MISSING_KEY', at('run'), `services.${name} is missing the required key "run"`, { anchor: ['services', name] }));
    }
    return out;
  }
  for (const key of ['build', 'release']) {
    if (service[key] !== undefined) {
      out.push(rawIssue('SLW_CONFIG_CONTAINER_FIELD', at(key), `${name} runs as a container, and \`${key}:\` runs a command on the host, which a container service does not support yet`));
    }
  }
  if (service['tmpfs'] !== undefined && service['readOnly'] !== true) {
    out.push(rawIssue('SLW_CONFIG_CONTAINER_ONLY', at('tmpfs'), `${name} sets tmpfs without readOnly: true; tmpfs paths are the writable places of a read-only container`));
  }
  if (typeof dockerfile === 'string' && dockerfile !== '') out.push(...(await dockerfileIssues(name, service, dockerfile, dir)));
  return out;
}

/**
 * A process gets its limits as rlimits: no CPU rate (that needs a cgroup), and pids only with a
 * user of its own, since RLIMIT_NPROC counts every process of the user and root is exempt.
 */
function processLimitIssues(name: string, service: Record<string, unknown>): RawIssue[] {
  const resources = service['resources'];
  if (!isPlainObject(resources)) return [];
  const out: RawIssue[] = [];
  if (resources['cpus'] !== undefined) {
    out.push(rawIssue('SLW_CONFIG_CONTAINER_ONLY', ['services', name, 'resources', 'cpus'], `${name} runs as a process, and \`resources.cpus\` (a CPU rate) needs a cgroup, which slipway uses for container services only; processes get memory, pids and openFiles`));
  }
  if (resources['pids'] !== undefined && service['user'] === undefined) {
    out.push(rawIssue('SLW_CONFIG_CONTAINER_ONLY', ['services', name, 'resources', 'pids'], `${name} runs as a process, whose \`resources.pids\` is RLIMIT_NPROC: counted over every process of its user and ignored for root, so it needs \`user:\` (a system user of its own)`));
  }
  return out;
}

async function dockerfileIssues(name: string, service: Record<string, unknown>, dockerfile: string, dir: string): Promise<RawIssue[]> {
  const file = resolve(dir, dockerfile);
  if (!(await stat(file).then((s) => s.isFile(), () => false))) {
    return [rawIssue('SLW_CONFIG_DOCKERFILE_MISSING', ['services', name, 'dockerfile'], `Dockerfile ${file} of ${name} does not exist (or is not a file)`)];
  }
  const context = typeof service['context'] === 'string' ? resolve(dir, service['context']) : dirname(file);
  if (!(await stat(context).then((s) => s.isDirectory(), () => false))) {
    return [rawIssue('SLW_CONFIG_DOCKERFILE_MISSING', ['services', name, 'context'], `build context ${context} of ${name} does not exist (or is not a directory)`)];
  }
  const inside = relative(context, file);
  if (inside.startsWith('..') || isAbsolute(inside)) {
    return [rawIssue('SLW_CONFIG_DOCKERFILE_CONTEXT', ['services', name, 'dockerfile'], `Dockerfile ${file} of ${name} lies outside its build context ${context}, so the engine cannot read it`)];
  }
  return [];
}

/** A container service mounts each volume at an absolute path inside the container. */
export function containerVolumeIssues(name: string, service: Record<string, unknown>): RawIssue[] {
  const volumes = service['volumes'];
  if (!isPlainObject(volumes)) return [];
  const out: RawIssue[] = [];
  for (const [volume, spec] of Object.entries(volumes)) {
    const path = isPlainObject(spec) ? spec['path'] : undefined;
    if (typeof path === 'string' && posix.isAbsolute(path) && posix.normalize(path) !== '/') continue;
    out.push(
      rawIssue('SLW_CONFIG_VOLUME_PATH', ['services', name, 'volumes', volume, ...(path === undefined ? [] : ['path'])], `volume ${volume} of container service ${name} needs an absolute path inside the container (e.g. /data), not ${path === undefined ? 'the default ./NAME' : JSON.stringify(path)}`),
    );
  }
  return out;
}
