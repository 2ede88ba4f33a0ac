import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { SlipwayError } from '../../errors.js';
import type { ImageBuild, ImageStore } from '../../engine/images.js';
import { ownerTag } from './container-handle.js';
import { BuildFailure, DockerApi } from './docker-api.js';

const TAIL_LINES = 20;

/**
 * Images on the container engine of this host: checks that one is there, builds a release's
 * Dockerfile into its own tag (labelled with the state dir), removes what retention drops.
 * Nothing is pushed or pulled by slipway itself.
 */
export class ContainerImages implements ImageStore {
  readonly #api: DockerApi;
  readonly #owner: string;
  readonly repository: string;

  constructor(options: { readonly stateDir: string; readonly socketPath: string; readonly timeoutMs?: number }) {
    this.#owner = resolve(options.stateDir);
    this.#api = new DockerApi({ socketPath: options.socketPath, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
    this.repository = `localhost/slipway-${ownerTag(this.#owner)}`;
  }

  async ping(): Promise<void> {
    await this.#api.ping();
  }

  exists(ref: string): Promise<boolean> {
    return this.#api.imageExists(ref);
  }

  remove(ref: string): Promise<void> {
    return this.#api.removeImage(ref);
  }

  async build(o: ImageBuild): Promise<void> {
    await mkdir(dirname(o.logFile), { recursive: true });
    const log = createWriteStream(o.logFile, { flags: 'w', mode: 0o600 });
    const tail: string[] = [];
    const onLine = (line: string): void => {
      log.write(`${line}\n`);
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
    };
    try {
      await this.#api.build({ ...o, labels: { 'slipway.owner': this.#owner, 'slipway.managed': 'true' }, onLine });
    } catch (err) {
      if (!(err instanceof BuildFailure)) throw err;
      throw new SlipwayError('SLW_DRIVER_BUILD_FAILED', `The image ${o.tag} could not be built: ${err.engineMessage}. Last lines:\n${tail.join('\n')}`, {
        cause: err,
        details: { tag: o.tag, logFile: o.logFile },
      });
    } finally {
      await new Promise<void>((done) => log.end(done));
    }
  }
}
