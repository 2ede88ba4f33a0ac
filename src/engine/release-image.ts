import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServiceSpec } from '../config/model.js';
import { SlipwayError } from '../errors.js';
import type { EngineDeps } from './deps.js';
import type { ImageStore } from './images.js';
import type { ReleaseRecord } from './records.js';
import { volumesRoot } from './volumes.js';

const BUILD_TIMEOUT_MS = 15 * 60_000;

/** The container driver's name, as release specs and the driver registry spell it. */
export const CONTAINER_DRIVER = 'container';

/**
 * The image a container release runs: an `image:` checked to be on the engine, or the
 * service's Dockerfile built into `<repository>/<project>-<service>:<release>`, so every release
 * keeps its own image and a rollback starts the previous one. Preflight first: an engine that
 * does not answer, an image missing, a build that fails are coded errors before anything moves.
 */
export async function prepareReleaseImage(deps: EngineDeps, spec: ServiceSpec, release: ReleaseRecord, signal?: AbortSignal): Promise<{ image: string; imageBuilt: boolean }> {
  const source = spec.container;
  const images = deps.images;
  if (!source) throw new SlipwayError('SLW_INTERNAL', `Service ${spec.name} is not a container service.`);
  if (!images) {
    throw new SlipwayError('SLW_INTERNAL', `Service ${spec.name} runs as a container, and this daemon was started without a container engine.`);
  }
  // The engine's ping, the image check and the release's folders side by side (each a few ms of a
  // deploy's critical path); an engine that does not answer is reported first, as when in turn.
  const [pinged, present, made] = await Promise.allSettled([
    images.ping(),
    source.kind === 'image' ? images.exists(source.image) : Promise.resolve(true),
    mkdir(release.dir, { recursive: true }).then(() => makeVolumes(deps, spec)),
  ]);
  for (const settled of [pinged, made, present]) if (settled.status === 'rejected') throw settled.reason;
  if (source.kind === 'image') {
    if (present.status === 'fulfilled' && !present.value) throw imageMissing(spec.name, source.image);
    return { image: source.image, imageBuilt: false };
  }
  const tag = releaseTag(images, deps.project, spec.name, release.id);
  await images.build({
    context: source.context,
    dockerfile: source.dockerfile,
    ...(source.target ? { target: source.target } : {}),
    buildArgs: source.buildArgs,
    tag,
    logFile: join(release.dir, 'build.log'),
    timeoutMs: BUILD_TIMEOUT_MS,
    ...(signal ? { signal } : {}),
  });
  return { image: tag, imageBuilt: true };
}

export function releaseTag(images: Pick<ImageStore, 'repository'>, project: string | undefined, service: string, releaseId: string): string {
  return `${images.repository}/${project ? project : 'default'}-${service}:${releaseId}`;
}

/** Bind mounts of a container release's volumes (made at build time, outside every release). */
export function volumeMounts(deps: Pick<EngineDeps, 'stateDir' | 'project'>, volumes: Readonly<Record<string, { readonly path: string }>> | undefined): { source: string; target: string; readOnly: boolean }[] {
  return Object.entries(volumes ?? {}).map(([name, { path }]) => ({ source: join(volumesRoot(deps), name), target: path, readOnly: false }));
}

async function makeVolumes(deps: EngineDeps, spec: ServiceSpec): Promise<void> {
  for (const mount of volumeMounts(deps, spec.volumes)) await mkdir(mount.source, { recursive: true, mode: 0o700 });
}

function imageMissing(service: string, image: string): SlipwayError {
  return new SlipwayError('SLW_DRIVER_IMAGE_MISSING', `Service ${service} runs image ${image}, which is not on the container engine; nothing was changed.`, {
    details: { service, image },
  });
}
