import { createHash } from 'node:crypto';
import { SlipwayError } from '../../errors.js';
import type { InstanceHandle, InstanceSpec } from '../driver.js';

export const CONTAINER_DRIVER = 'container';

/** Published ports bind here only: the proxy and health checks on this host reach them, nobody else. */
export const PUBLISH_HOST = '127.0.0.1';

/**
 * Labels on every container the driver starts: a later daemon finds its instances by them
 * (`slipway.owner` is the absolute state dir, so two state dirs on one engine never mix).
 */
export const LABELS = {
  managed: 'slipway.managed',
  owner: 'slipway.owner',
  instance: 'slipway.instance',
  service: 'slipway.service',
  release: 'slipway.release',
  port: 'slipway.port',
  project: 'slipway.project',
} as const;

export function labelsFor(spec: InstanceSpec, owner: string): Record<string, string> {
  return {
    [LABELS.managed]: 'true',
    [LABELS.owner]: owner,
    [LABELS.instance]: spec.id,
    [LABELS.service]: spec.service,
    [LABELS.release]: spec.releaseId,
    [LABELS.port]: String(spec.port),
    ...(spec.project ? { [LABELS.project]: spec.project } : {}),
  };
}

/** `slipway-<8 hex of the owner>-<instance id>`: unique per state dir, readable in `docker ps`. */
export function containerName(owner: string, instanceId: string): string {
  return `slipway-${ownerTag(owner)}-${instanceId}`;
}

/** 8 hex of the state dir: names of containers and images of one state dir. */
export function ownerTag(owner: string): string {
  return createHash('sha256').update(owner).digest('hex').slice(0, 8);
}

/** What the container driver keeps of an instance: only this folder reads container ids. */
export interface ContainerRef {
  readonly id: string;
  readonly container: string;
  readonly port: number;
}

export function handleOfContainer(c: ContainerRef): InstanceHandle {
  return {
    id: c.id,
    driver: CONTAINER_DRIVER,
    address: { host: PUBLISH_HOST, port: c.port },
    ref: `container ${c.container.slice(0, 12)}`,
    data: { container: c.container },
  };
}

export function containerOf(handle: InstanceHandle): ContainerRef {
  const { container } = handle.data;
  if (handle.driver !== CONTAINER_DRIVER || typeof container !== 'string' || container.length === 0) {
    throw new SlipwayError('SLW_INTERNAL', `Instance ${handle.id} was not started by the container driver (driver "${handle.driver}").`);
  }
  return { id: handle.id, container, port: handle.address.port };
}

/** The handle of a listed container, when its labels make it one of ours. */
export function handleFromLabels(container: string, labels: Readonly<Record<string, string>>): InstanceHandle | undefined {
  const id = labels[LABELS.instance];
  const port = Number(labels[LABELS.port]);
  if (!id || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return handleOfContainer({ id, container, port });
}
