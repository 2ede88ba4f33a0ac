/** The container fields of a service: `image:` (run as is) or `dockerfile:` (built on the host per release). */
import { z } from 'zod';
import { envValue, envVarName } from './schema-fields.js';
import { tag } from './schema-meta.js';

/**
 * An image reference as Docker and Podman take it: [host[:port]/]path[:tag][@sha256:digest],
 * the path in lower case. Checked here so a typo is a config error, not an engine error mid-deploy.
 */
export const IMAGE_REF_PATTERN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

const imageRef = tag(z.string().max(255).regex(IMAGE_REF_PATTERN), {
  code: 'SLW_CONFIG_IMAGE_NAME',
  expected: 'an image reference such as "nginx:1.27" or "localhost/app:v2" (lower-case name, optional :tag)',
  quoteValue: true,
});

const relativePath = z.string().min(1);

export const containerFields = {
  image: imageRef.optional().describe('Run this image (NAME[:TAG], already on the engine or pullable by it) with the container driver; no build.'),
  dockerfile: relativePath
    .optional()
    .describe('Build this Dockerfile (relative to slipway.yaml) on the host for every release, into an image tagged per project/service/release, and run it with the container driver.'),
  context: relativePath.optional().describe('Build context of `dockerfile`, relative to slipway.yaml (default: the Dockerfile\'s directory).'),
  target: z.string().min(1).max(128).optional().describe('Stage of a multi-stage Dockerfile to build (default: the last).'),
  buildArgs: z.record(envVarName, envValue).optional().describe('Build arguments (ARG) of `dockerfile`; secret references are refused here, since build arguments stay in the image\'s history.'),
};

/** A memory size: bytes as a number, or a number with k, m or g (powers of 1024), e.g. "256m". */
export const MEMORY_PATTERN = /^[1-9][0-9]{0,12}[kmg]?$/;

const UNIT: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Bytes of a memory size (MEMORY_PATTERN, or a number of bytes). */
export function memoryBytes(value: number | string): number {
  if (typeof value === 'number') return value;
  const unit = value.at(-1) ?? '';
  const factor = UNIT[unit];
  return factor === undefined ? Number(value) : Number(value.slice(0, -1)) * factor;
}

/** Least and most memory a container may be given: 4 MiB (the engine's own floor) to 16 TiB. */
export const MIN_MEMORY_BYTES = 4 * 1024 ** 2;
export const MAX_MEMORY_BYTES = 16 * 1024 ** 4;

const memory = tag(
  z.union([z.number().int(), z.string().regex(MEMORY_PATTERN)]).refine((v) => {
    const bytes = memoryBytes(v);
    return bytes >= MIN_MEMORY_BYTES && bytes <= MAX_MEMORY_BYTES;
  }),
  {
    code: 'SLW_CONFIG_RESOURCES',
    expected: 'a memory size such as "256m", "1g" or a number of bytes, from 4 MiB ("4m") to 16 TiB ("16384g")',
    quoteValue: true,
  },
);
const cpus = tag(z.number().min(0.01).max(1024), { code: 'SLW_CONFIG_RESOURCES', expected: 'a number of CPUs from 0.01 (e.g. 0.5)', quoteValue: true });
const pids = tag(z.number().int().min(1).max(4_194_304), { code: 'SLW_CONFIG_RESOURCES', expected: 'a whole number of processes from 1', quoteValue: true });
const openFiles = tag(z.number().int().min(16).max(1_048_576), { code: 'SLW_CONFIG_RESOURCES', expected: 'a whole number of open files from 16 (e.g. 4096)', quoteValue: true });
const userSpec = tag(z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,31})?$/), {
  code: 'SLW_CONFIG_INVALID_TYPE',
  expected: 'a user as NAME, UID or UID:GID (e.g. 1000:1000)',
  quoteValue: true,
});
const capability = tag(z.string().regex(/^[A-Z_]{2,32}$/), { code: 'SLW_CONFIG_INVALID_TYPE', expected: 'a capability name such as NET_BIND_SERVICE', quoteValue: true });
const containerPath = tag(z.string().regex(/^\/[^\0:,]*$/), { code: 'SLW_CONFIG_INVALID_TYPE', expected: 'an absolute path inside the container such as /tmp', quoteValue: true });

/**
 * Limits and isolation. A container service gets all of them from the engine; a process service
 * gets memory, pids and openFiles as rlimits at spawn (container-semantic.ts refuses the rest there).
 */
export const isolationFields = {
  resources: z
    .strictObject({
      memory: memory.optional().describe('Memory limit. Container: the cgroup memory limit; past it the kernel kills the app and slipway restarts it. Process: RLIMIT_AS (address space); allocations past it fail.'),
      cpus: cpus.optional().describe('CPU time, in CPUs (0.5 = half of one); container services only.'),
      pids: pids.optional().describe('Most processes and threads at once. Container: the pids cgroup. Process: RLIMIT_NPROC of its `user:` (required), counted over every process of that user.'),
      openFiles: openFiles.optional().describe('Most open files (RLIMIT_NOFILE), for containers and processes.'),
    })
    .optional()
    .describe('Limits: a container\'s from the engine; a process\'s memory, pids and openFiles as rlimits at spawn (docs/config.md says exactly what each driver enforces).'),
  user: userSpec
    .optional()
    .describe('Who the instances run as. A process service: a system user name (e.g. postgres), its volumes handed to that user. A container service: NAME, UID or UID:GID; default: the image\'s USER.'),
  readOnly: z.boolean().optional().describe('Read-only root file system (container services); write to volumes and `tmpfs` paths.'),
  tmpfs: z.array(containerPath).max(32).optional().describe('Writable in-memory directories of a read-only container, e.g. [/tmp].'),
  capabilities: z
    .strictObject({ add: z.array(capability).max(64).default([]).describe('Capabilities given back; every other one is dropped.') })
    .optional()
    .describe('A container starts with every Linux capability dropped and no-new-privileges; `add` gives some back.'),
};
