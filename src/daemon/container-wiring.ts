import { ContainerDriver } from '../drivers/container/container-driver.js';
import { ContainerImages } from '../drivers/container/container-images.js';
import type { Redactor } from '../secrets/redactor.js';
import { InjectingDriver, secretRunDir, type SecretSource } from '../secrets/injecting-driver.js';

/** Where secret files appear inside a container (read-only); `NAME_FILE` names them there. */
export const CONTAINER_SECRETS_DIR = '/run/secrets/slipway';

export interface ContainerWiring {
  /** The container driver, secrets injected as read-only bind mounts. */
  readonly driver: InjectingDriver;
  readonly images: ContainerImages;
  close(): Promise<void>;
}

/**
 * The engine socket: SLIPWAY_CONTAINER_SOCKET, else DOCKER_HOST when it is unix://, else
 * Docker's default. Nothing connects until a container service is deployed or adopted.
 */
export function containerSocket(environ: NodeJS.ProcessEnv): string {
  const own = environ['SLIPWAY_CONTAINER_SOCKET'];
  if (own) return own;
  const dockerHost = environ['DOCKER_HOST'];
  if (dockerHost?.startsWith('unix://')) return dockerHost.slice('unix://'.length);
  return '/var/run/docker.sock';
}

export function startContainers(o: { stateDir: string; environ: NodeJS.ProcessEnv; source: SecretSource; redactor: Redactor }): ContainerWiring {
  const socketPath = containerSocket(o.environ);
  const network = o.environ['SLIPWAY_CONTAINER_NETWORK'];
  const inner = new ContainerDriver({ stateDir: o.stateDir, socketPath, ...(network ? { network } : {}) });
  const driver = new InjectingDriver(inner, { runDir: secretRunDir(o.stateDir), source: o.source, redactor: o.redactor, mountAt: CONTAINER_SECRETS_DIR });
  const images = new ContainerImages({ stateDir: o.stateDir, socketPath });
  return { driver, images, close: () => inner.close() };
}
