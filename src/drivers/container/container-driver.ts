import { lstat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SlipwayError, toSlipwayError } from '../../errors.js';
import type { Driver, ExitInfo, InstanceHandle, InstanceSpec, Inspection, StopOptions } from '../driver.js';
import { CONTAINER_DRIVER, containerName, containerOf, handleFromLabels, handleOfContainer, LABELS, labelsFor, PUBLISH_HOST } from './container-handle.js';
import { DockerApi, EngineRequestError, type ContainerState, type EngineVersion } from './docker-api.js';
import { demuxLogFrames, lastLines } from './log-frames.js';

export interface ContainerDriverOptions {
  /** The daemon's state directory; its absolute path labels every container this driver starts. */
  readonly stateDir: string;
  /** The engine's unix socket (dockerd's, or `podman system service`'s). */
  readonly socketPath: string;
  /** NetworkMode of new containers (e.g. "slirp4netns" on Podman); default: the engine's own. */
  readonly network?: string;
  /** How often watched containers are checked for exit, in one list call (default 500 ms). */
  readonly pollMs?: number;
  /** Deadline of one engine call (default 30 s). */
  readonly timeoutMs?: number;
  /** Failures of background work (the exit poll); the driver never prints. */
  readonly onBackgroundError?: (err: SlipwayError) => void;
}

/** CPU and memory of one instance, as the engine measures them. */
export interface InstanceUsage {
  readonly cpuSeconds: number;
  readonly memoryBytes: number;
}

async function socketExists(path: string): Promise<boolean> {
  return lstat(path).then(() => true, () => false);
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function checkSpec(spec: InstanceSpec): string {
  const problems: string[] = [];
  if (!SAFE_ID.test(spec.id)) problems.push(`id ${JSON.stringify(spec.id)} is not a safe container name`);
  if (!spec.image) problems.push('no image is named');
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535) problems.push(`port ${spec.port} is out of range`);
  if (problems.length > 0 || !spec.image) {
    throw new SlipwayError('SLW_DRIVER_INVALID_SPEC', `Instance ${spec.id} cannot be started: ${problems.join('; ')}.`, {
      details: { id: spec.id, problems },
    });
  }
  return spec.image;
}

const START_HINT =
  'The engine says why above: a command missing from the image, a port already in use, or a setting the engine refuses. Fix the service (or the image) and deploy again; nothing is left running.';

/**
 * Runs instances as containers through the Docker Engine API (Docker or Podman), each
 * publishing its PORT on 127.0.0.1 and labelled with this state dir, so a restarted daemon
 * re-adopts them and finds strays. Exits are noticed by one list call per poll.
 */
export class ContainerDriver implements Driver {
  readonly name = CONTAINER_DRIVER;
  readonly #owner: string;
  readonly #api: DockerApi;
  readonly #network: string | undefined;
  readonly #pollMs: number;
  readonly #onBackgroundError: (err: SlipwayError) => void;
  /** Watched instance id → its container id. */
  readonly #watched = new Map<string, string>();
  readonly #stopping = new Map<string, Promise<void>>();
  readonly #listeners: Array<(exit: ExitInfo) => void> = [];
  #pollTimer: NodeJS.Timeout | undefined;
  #polling = false;
  #closed = false;

  constructor(options: ContainerDriverOptions) {
    this.#owner = resolve(options.stateDir);
    this.#api = new DockerApi({ socketPath: options.socketPath, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
    this.#network = options.network;
    this.#pollMs = options.pollMs ?? 500;
    this.#onBackgroundError = options.onBackgroundError ?? (() => undefined);
  }

  /** The engine's name and versions: proves the socket answers (preflight). */
  engineVersion(): Promise<EngineVersion> {
    return this.#api.version();
  }

  async start(spec: InstanceSpec): Promise<InstanceHandle> {
    this.#assertOpen();
    const image = checkSpec(spec);
    const name = containerName(this.#owner, spec.id);
    const request = {
      name,
      image,
      command: spec.command,
      env: { ...spec.env, PORT: String(spec.port), SLIPWAY_INSTANCE_ID: spec.id, SLIPWAY_SERVICE: spec.service, SLIPWAY_RELEASE: spec.releaseId },
      labels: labelsFor(spec, this.#owner),
      port: spec.port,
      hostIp: PUBLISH_HOST,
      network: this.#network,
      mounts: spec.mounts,
      isolation: spec.isolation,
    };
    let container: string;
    try {
      // Created at once (no inspect first: one engine round trip less on every deploy); a name
      // still held by an earlier container of this instance id is cleared, then created again.
      container = await this.#api.create(request).catch(async (err: unknown) => {
        if (!nameInUse(err)) throw err;
        await this.#clearName(spec, name);
        return this.#api.create(request);
      });
    } catch (err) {
      throw this.#createFailed(spec, image, err);
    }
    try {
      await this.#api.start(container);
    } catch (err) {
      await this.#api.remove(container).catch(() => undefined);
      throw this.#startFailed(spec, err);
    }
    this.#watch(spec.id, container);
    return handleOfContainer({ id: spec.id, container, port: spec.port });
  }

  async stop(handle: InstanceHandle, options: StopOptions): Promise<void> {
    const { container } = containerOf(handle);
    let pending = this.#stopping.get(container);
    if (!pending) {
      pending = this.#stopAndRemove(handle.id, container, options.graceMs).finally(() => this.#stopping.delete(container));
      this.#stopping.set(container, pending);
    }
    await pending;
  }

  async inspect(handle: InstanceHandle): Promise<Inspection> {
    const { container } = containerOf(handle);
    const state = await this.#api.inspect(container);
    return { running: state !== undefined && state.running && state.labels[LABELS.instance] === handle.id };
  }

  async adopt(handle: InstanceHandle): Promise<boolean> {
    this.#assertOpen();
    const { container } = containerOf(handle);
    if (!(await this.inspect(handle)).running) return false;
    if (this.#watched.get(handle.id) !== container) this.#watch(handle.id, container);
    return true;
  }

  /** Containers of this state dir missing from `known`, running or exited (an exited one still holds its name and disk). */
  async findStrays(known: ReadonlySet<string>): Promise<InstanceHandle[]> {
    // No socket at all: no engine on this host, so no container of ours can be running.
    if (!(await socketExists(this.#api.socketPath))) return [];
    const found = await this.#api.list({ [LABELS.owner]: this.#owner });
    return found.flatMap((c) => {
      const handle = handleFromLabels(c.id, c.labels);
      return handle && !known.has(handle.id) ? [handle] : [];
    });
  }

  onExit(listener: (exit: ExitInfo) => void): void {
    this.#listeners.push(listener);
  }

  /** The last lines of stdout and stderr, from the engine; none once the container is removed. */
  async logs(handle: InstanceHandle, lines: number): Promise<string[]> {
    const { container } = containerOf(handle);
    if (lines <= 0) return [];
    try {
      return lastLines(demuxLogFrames(await this.#api.logs(container, lines)), lines);
    } catch (err) {
      if (err instanceof EngineRequestError && err.status === 404) return [];
      if (err instanceof EngineRequestError) {
        throw new SlipwayError('SLW_DRIVER_LOG_FAILED', `The logs of instance ${handle.id} could not be read: ${err.engineMessage}.`, {
          cause: err,
          hint: 'The container engine refused to give the logs; check its log driver (json-file, journald or k8s-file all work).',
        });
      }
      throw err;
    }
  }

  /** CPU and memory of a running instance; undefined when its container is gone. */
  async usage(handle: InstanceHandle): Promise<InstanceUsage | undefined> {
    const { container } = containerOf(handle);
    try {
      const u = await this.#api.usage(container);
      return { cpuSeconds: u.cpuNanos / 1e9, memoryBytes: u.memoryBytes };
    } catch (err) {
      if (err instanceof EngineRequestError && (err.status === 404 || err.status === 409)) return undefined;
      throw toSlipwayError(err);
    }
  }

  /** Stops exit watching; the containers keep running for the next daemon to adopt. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#pollTimer) clearInterval(this.#pollTimer);
    this.#pollTimer = undefined;
    this.#watched.clear();
  }

  /** A leftover container of the same instance id (an exited earlier run) is removed; a live one is refused. */
  async #clearName(spec: InstanceSpec, name: string): Promise<void> {
    const existing = await this.#api.inspect(name);
    if (!existing) return;
    if (existing.running) {
      throw new SlipwayError('SLW_DRIVER_INSTANCE_EXISTS', `Instance ${spec.id} is already running (container ${existing.id.slice(0, 12)}).`);
    }
    // Its exit may not have been polled yet: report it before the container goes.
    if (this.#watched.get(spec.id) === existing.id) this.#fire(spec.id, existing);
    await this.#api.remove(existing.id);
  }

  async #stopAndRemove(id: string, container: string, graceMs: number): Promise<void> {
    try {
      await this.#api.stop(container, Math.ceil(Math.max(0, graceMs) / 1000));
    } catch (err) {
      if (!(err instanceof EngineRequestError)) throw err;
      throw new SlipwayError('SLW_DRIVER_STOP_FAILED', `Container ${container.slice(0, 12)} of instance ${id} could not be stopped: ${err.engineMessage}.`, {
        cause: err,
        hint: 'The container engine could not stop it; check `docker ps` / `podman ps` and the engine logs, then stop it by hand.',
      });
    }
    const state = await this.#api.inspect(container);
    await this.#api.remove(container);
    if (this.#watched.get(id) === container) this.#fire(id, state, true);
  }

  #watch(id: string, container: string): void {
    this.#watched.set(id, container);
    this.#pollTimer ??= setInterval(() => void this.#poll(), this.#pollMs).unref();
  }

  /** One list call for all watched instances; the exit code of one that stopped comes from inspect. */
  async #poll(): Promise<void> {
    if (this.#polling || this.#watched.size === 0) return;
    this.#polling = true;
    try {
      const running = new Set((await this.#api.list({ [LABELS.owner]: this.#owner })).filter((c) => c.running).map((c) => c.id));
      for (const [id, container] of [...this.#watched]) {
        if (running.has(container) || this.#stopping.has(container)) continue;
        const state = await this.#api.inspect(container);
        if (state?.running) continue;
        if (this.#watched.get(id) === container) this.#fire(id, state);
      }
    } catch (err) {
      // An engine that does not answer says nothing about the instances: keep watching.
      if (!this.#closed) this.#onBackgroundError(toSlipwayError(err));
    } finally {
      this.#polling = false;
    }
  }

  /** Fires onExit once per watched instance, with the engine's word on whether its memory limit killed it. */
  #fire(id: string, state: ContainerState | undefined, stopped = false): void {
    if (this.#closed || !this.#watched.delete(id)) return;
    const exit: ExitInfo = { id, code: state?.exitCode ?? null, signal: null, ...outOfMemory(state, stopped) };
    for (const listener of this.#listeners) listener(exit);
  }

  #createFailed(spec: InstanceSpec, image: string, err: unknown): SlipwayError {
    if (!(err instanceof EngineRequestError)) return toSlipwayError(err);
    if (/no such image|image not known/i.test(err.engineMessage) || (err.status === 404 && /image/i.test(err.engineMessage))) {
      return new SlipwayError('SLW_DRIVER_IMAGE_MISSING', `Instance ${spec.id} of ${spec.service} needs image ${image}, which is not on the container engine (${err.engineMessage}).`, {
        cause: err,
        details: { id: spec.id, service: spec.service, image },
      });
    }
    if (nameInUse(err)) {
      return new SlipwayError('SLW_DRIVER_INSTANCE_EXISTS', `Instance ${spec.id} already has a container (${err.engineMessage}).`, { cause: err });
    }
    return this.#startFailed(spec, err);
  }

  #startFailed(spec: InstanceSpec, err: unknown): SlipwayError {
    if (!(err instanceof EngineRequestError)) return toSlipwayError(err);
    return new SlipwayError('SLW_DRIVER_SPAWN_FAILED', `Instance ${spec.id} of ${spec.service} could not be started: the container engine answered ${err.status}: ${err.engineMessage}.`, {
      cause: err,
      hint: START_HINT,
      details: { id: spec.id, service: spec.service, image: spec.image, command: spec.command },
    });
  }

  #assertOpen(): void {
    if (this.#closed) throw new SlipwayError('SLW_INTERNAL', 'The container driver was used after close().');
  }
}

/** The engine refused a create because the name is taken: Docker says 409, Podman 4.3 says 500 "already in use". */
function nameInUse(err: unknown): boolean {
  return err instanceof EngineRequestError && (err.status === 409 || /name .* is already in use|already in use by/i.test(err.engineMessage));
}

/**
 * Whether a container that exited was killed by its memory limit. Docker sets OOMKilled; Podman
 * 4.3 on cgroup v1 does not (it reports the SIGKILL as 137 and nothing more), so a SIGKILL that
 * slipway did not send to a container with a memory limit counts as likely.
 */
export function outOfMemory(state: ContainerState | undefined, stopped: boolean): Pick<ExitInfo, 'outOfMemory'> {
  if (!state) return {};
  if (state.oomKilled) return { outOfMemory: 'reported' };
  if (!stopped && state.exitCode === 137 && state.memoryLimit > 0) return { outOfMemory: 'likely' };
  return {};
}
