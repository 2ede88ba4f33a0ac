import { readdir } from 'node:fs/promises';
import type Docker from 'dockerode';
import type { ContainerIsolation } from '../../config/container-model.js';
import { SlipwayError } from '../../errors.js';

/**
 * The one file that talks to the Docker Engine API (through dockerode): Docker's dockerd and
 * Podman's `podman system service` alike. It speaks API version 1.41, which both serve, and
 * turns the engine's answers into the few plain shapes the container driver needs.
 */

/** Pinned so Docker and Podman answer the same way. */
export const API_VERSION = 'v1.41';

export interface DockerApiOptions {
  /** The engine's unix socket, e.g. /var/run/docker.sock or /run/podman/podman.sock. */
  readonly socketPath: string;
  /** Deadline of one API call, on top of any wait the call itself asks for (default 30 s). */
  readonly timeoutMs?: number;
}

export interface CreateRequest {
  readonly name: string;
  readonly image: string;
  /** Overrides the image's CMD when non-empty. */
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  /** Published as hostIp:port → port/tcp in the container. */
  readonly port: number;
  readonly hostIp: string;
  /** NetworkMode; undefined: the engine's default network. */
  readonly network: string | undefined;
  /** Host directories bound into the container. */
  readonly mounts?: readonly BindMount[] | undefined;
  readonly isolation?: ContainerIsolation | undefined;
}

export interface BindMount {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

export interface BuildRequest {
  /** Absolute directory sent as the build context (.dockerignore honoured). */
  readonly context: string;
  /** The Dockerfile's path inside the context. */
  readonly dockerfile: string;
  readonly tag: string;
  readonly target?: string | undefined;
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  /** Whole-build deadline. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  /** Each line of the build's output, as it comes. */
  readonly onLine: (line: string) => void;
}

export interface ContainerState {
  readonly id: string;
  readonly running: boolean;
  readonly exitCode: number | null;
  readonly oomKilled: boolean;
  /** HostConfig.Memory in bytes; 0: no limit. */
  readonly memoryLimit: number;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ContainerSummary {
  readonly id: string;
  readonly running: boolean;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ContainerUsage {
  /** CPU time used since the container started, in nanoseconds. */
  readonly cpuNanos: number;
  readonly memoryBytes: number;
}

export interface EngineVersion {
  readonly engine: string;
  readonly version: string;
  readonly apiVersion: string;
}

/** The engine answered, but with an error status. */
export class EngineRequestError extends Error {
  constructor(
    readonly status: number,
    readonly engineMessage: string,
  ) {
    super(`the engine answered ${status}: ${engineMessage}`);
    this.name = 'EngineRequestError';
  }
}

/** HostConfig of limits and isolation: every capability dropped but those given back, no new privileges. */
function isolationOf(i: ContainerIsolation | undefined): Record<string, unknown> {
  if (!i) return {};
  return {
    CapDrop: ['ALL'],
    ...(i.capAdd.length > 0 ? { CapAdd: [...i.capAdd] } : {}),
    SecurityOpt: ['no-new-privileges'],
    ...(i.memoryBytes === undefined ? {} : { Memory: i.memoryBytes, MemorySwap: i.memoryBytes }),
    ...(i.cpus === undefined ? {} : { NanoCpus: Math.round(i.cpus * 1e9) }),
    ...(i.pids === undefined ? {} : { PidsLimit: i.pids }),
    ...(i.openFiles === undefined ? {} : { Ulimits: [{ Name: 'nofile', Soft: i.openFiles, Hard: i.openFiles }] }),
    ...(i.readOnly ? { ReadonlyRootfs: true } : {}),
    ...(i.tmpfs.length > 0 ? { Tmpfs: Object.fromEntries(i.tmpfs.map((path) => [path, 'rw,nosuid,nodev'])) } : {}),
  };
}

/** The engine ran the build and a step failed. */
export class BuildFailure extends Error {
  constructor(readonly engineMessage: string) {
    super(`the build failed: ${engineMessage}`);
    this.name = 'BuildFailure';
  }
}

interface ModemError extends Error {
  readonly statusCode?: number;
  readonly code?: string;
  readonly json?: unknown;
}

const CONNECTION_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'EPERM', 'ECONNRESET', 'EPIPE', 'ENOTSOCK']);

function engineMessage(err: ModemError): string {
  const json = err.json;
  if (json && typeof json === 'object' && 'message' in json && typeof json.message === 'string') return json.message;
  if (typeof json === 'string' && json.length > 0) return json.trim();
  if (Buffer.isBuffer(json)) return json.toString('utf8').trim();
  return err.message;
}

export class DockerApi {
  readonly socketPath: string;
  /** dockerode, loaded on the first call: a daemon that never talks to an engine never loads it. */
  readonly #client: () => Promise<Docker>;
  readonly #timeoutMs: number;

  constructor(options: DockerApiOptions) {
    this.socketPath = options.socketPath;
    let client: Promise<Docker> | undefined;
    this.#client = () => (client ??= import('dockerode').then(({ default: Dockerode }) => new Dockerode({ socketPath: options.socketPath, version: API_VERSION })));
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /**
   * The engine's liveness endpoint (`GET /_ping`). Cheaper than version(): Podman 4.3 answers
   * /version by gathering host information, which took 5–7 s on a loaded host with vfs storage.
   */
  async ping(): Promise<void> {
    const docker = await this.#client();
    const ping = docker.ping.bind(docker) as (opts: { abortSignal: AbortSignal }) => Promise<unknown>;
    await this.#call('ping', (abortSignal) => ping({ abortSignal }));
  }

  async version(): Promise<EngineVersion> {
    const docker = await this.#client();
    // dockerode takes an abortSignal here too; its typings do not say so.
    const version = docker.version.bind(docker) as (opts: { abortSignal: AbortSignal }) => Promise<Docker.DockerVersion>;
    const v = await this.#call('version', (abortSignal) => version({ abortSignal }));
    return { engine: v.Components?.[0]?.Name ?? 'Docker Engine', version: v.Version, apiVersion: v.ApiVersion };
  }

  /** Creates the container (not started); resolves its id. */
  async create(req: CreateRequest): Promise<string> {
    const docker = await this.#client();
    const port = `${req.port}/tcp`;
    const container = await this.#call('create', (abortSignal) =>
      docker.createContainer({
        name: req.name,
        Image: req.image,
        ...(req.command.length > 0 ? { Cmd: [...req.command] } : {}),
        Env: Object.entries(req.env).map(([k, v]) => `${k}=${v}`),
        Labels: { ...req.labels },
        ExposedPorts: { [port]: {} },
        HostConfig: {
          PortBindings: { [port]: [{ HostIp: req.hostIp, HostPort: String(req.port) }] },
          RestartPolicy: { Name: 'no' },
          ...(req.network ? { NetworkMode: req.network } : {}),
          ...(req.mounts && req.mounts.length > 0 ? { Binds: req.mounts.map((m) => `${m.source}:${m.target}:${m.readOnly ? 'ro' : 'rw'}`) } : {}),
          ...isolationOf(req.isolation),
        },
        ...(req.isolation?.user ? { User: req.isolation.user } : {}),
        abortSignal,
      }),
    );
    return container.id;
  }

  async start(id: string): Promise<void> {
    const docker = await this.#client();
    await this.#call('start', (abortSignal) => docker.getContainer(id).start({ abortSignal }), { ok: [304] });
  }

  /** The engine's stop: its stop signal, SIGKILL after `seconds`; resolves once it has exited. */
  async stop(id: string, seconds: number): Promise<void> {
    const docker = await this.#client();
    await this.#call('stop', (abortSignal) => docker.getContainer(id).stop({ t: seconds, abortSignal }), {
      ok: [304, 404],
      extraMs: seconds * 1000,
    });
  }

  async kill(id: string, signal: string): Promise<void> {
    const docker = await this.#client();
    await this.#call('kill', (abortSignal) => docker.getContainer(id).kill({ signal, abortSignal }), { ok: [404, 409] });
  }

  /** Removes the container and its anonymous volumes; a missing one is fine. */
  async remove(id: string): Promise<void> {
    const docker = await this.#client();
    await this.#call('remove', (abortSignal) => docker.getContainer(id).remove({ force: true, v: true, abortSignal }), { ok: [404] });
  }

  /** By id or name; undefined when there is no such container. */
  async inspect(idOrName: string): Promise<ContainerState | undefined> {
    const docker = await this.#client();
    try {
      const info = await this.#call('inspect', (abortSignal) => docker.getContainer(idOrName).inspect({ abortSignal }));
      return {
        id: info.Id,
        running: info.State.Running,
        exitCode: info.State.Running ? null : info.State.ExitCode,
        oomKilled: info.State.OOMKilled,
        memoryLimit: info.HostConfig?.Memory ?? 0,
        labels: info.Config.Labels ?? {},
      };
    } catch (err) {
      if (err instanceof EngineRequestError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** Every container (running or not) carrying all these `key=value` labels. */
  async list(labels: Readonly<Record<string, string>>): Promise<ContainerSummary[]> {
    const docker = await this.#client();
    const label = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
    const found = await this.#call('list', (abortSignal) => docker.listContainers({ all: true, filters: { label }, abortSignal }));
    return found.map((c) => ({ id: c.Id, running: c.State === 'running', labels: c.Labels ?? {} }));
  }

  /** The last `tail` lines of stdout and stderr, in the engine's framed format. */
  async logs(id: string, tail: number): Promise<Buffer> {
    const docker = await this.#client();
    const out = await this.#call('logs', (abortSignal) =>
      docker.getContainer(id).logs({ stdout: true, stderr: true, tail, follow: false, abortSignal }),
    );
    return Buffer.isBuffer(out) ? out : Buffer.from(String(out));
  }

  async usage(id: string): Promise<ContainerUsage> {
    const docker = await this.#client();
    const container = docker.getContainer(id);
    // As for version(): dockerode passes abortSignal through; its typings leave it out.
    const stats = container.stats.bind(container) as (opts: { stream: false; abortSignal: AbortSignal }) => Promise<Docker.ContainerStats>;
    const s = await this.#call('stats', (abortSignal) => stats({ stream: false, abortSignal }));
    return { cpuNanos: s.cpu_stats?.cpu_usage?.total_usage ?? 0, memoryBytes: s.memory_stats?.usage ?? 0 };
  }

  /** True when the engine holds an image of this reference (never pulls). */
  async imageExists(ref: string): Promise<boolean> {
    const docker = await this.#client();
    try {
      const image = docker.getImage(ref);
      // As for version(): dockerode passes abortSignal through; its typings leave it out.
      const inspect = image.inspect.bind(image) as (opts: { abortSignal: AbortSignal }) => Promise<unknown>;
      await this.#call('image inspect', (abortSignal) => inspect({ abortSignal }));
      return true;
    } catch (err) {
      if (err instanceof EngineRequestError && err.status === 404) return false;
      throw err;
    }
  }

  /** Removes an image by reference; a missing one, or one a container still uses (409), is left alone. */
  async removeImage(ref: string): Promise<void> {
    const docker = await this.#client();
    await this.#call('image remove', (abortSignal) => docker.getImage(ref).remove({ abortSignal }), { ok: [404, 409] });
  }

  /**
   * Builds an image from a directory on this host through the engine's build endpoint (no
   * registry: base images must be on the engine already or pullable by it). Rejects with
   * BuildFailure (the engine's error and the output so far) when a step fails.
   */
  async build(req: BuildRequest): Promise<void> {
    const docker = await this.#client();
    const src = await readdir(req.context);
    const signal = req.signal ? AbortSignal.any([req.signal, AbortSignal.timeout(req.timeoutMs)]) : AbortSignal.timeout(req.timeoutMs);
    const stream = await this.#call(
      'build',
      (abortSignal) =>
        docker.buildImage({ context: req.context, src }, {
          t: req.tag,
          dockerfile: req.dockerfile,
          ...(req.target ? { target: req.target } : {}),
          buildargs: { ...req.buildArgs },
          labels: { ...req.labels },
          rm: true,
          forcerm: true,
          abortSignal: AbortSignal.any([abortSignal, signal]),
        }),
      { extraMs: req.timeoutMs },
    );
    const failure = await new Promise<string | undefined>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(signal.aborted ? this.#unreachable(`did not finish the build within ${req.timeoutMs} ms`, err) : err) : resolve(undefined)),
        (event: { stream?: string; error?: string; errorDetail?: { message?: string } }) => {
          if (typeof event.stream === 'string') for (const line of event.stream.split('\n')) if (line.trim() !== '') req.onLine(line);
          if (typeof event.error === 'string') {
            req.onLine(event.error);
            resolve(event.errorDetail?.message ?? event.error);
          }
        },
      );
    });
    if (failure !== undefined) throw new BuildFailure(failure);
  }

  /**
   * Runs one call with a deadline. Statuses in `ok` count as success (304: already in that
   * state, 404: already gone); other statuses become EngineRequestError; a socket that cannot
   * be reached, or an engine that does not answer in time, is SLW_DRIVER_ENGINE_UNREACHABLE.
   */
  async #call<T>(what: string, run: (signal: AbortSignal) => Promise<T>, options: { ok?: number[]; extraMs?: number } = {}): Promise<T> {
    const limit = this.#timeoutMs + (options.extraMs ?? 0);
    const signal = AbortSignal.timeout(limit);
    try {
      return await run(signal);
    } catch (caught) {
      // docker-modem rejects with an Error carrying statusCode/json; other throws have neither, checked below.
      const err = caught as ModemError;
      if (typeof err.statusCode === 'number') {
        // The caller listed this status as an answer without a body (e.g. 304 not modified): T allows undefined there.
        if (options.ok?.includes(err.statusCode)) return undefined as T;
        throw new EngineRequestError(err.statusCode, engineMessage(err));
      }
      if (signal.aborted) throw this.#unreachable(`did not answer ${what} within ${limit} ms`, err);
      if (typeof err.code === 'string' && CONNECTION_CODES.has(err.code)) throw this.#unreachable(`could not be reached (${err.code})`, err);
      throw this.#unreachable(`failed on ${what}: ${err.message}`, err);
    }
  }

  #unreachable(why: string, cause: unknown): SlipwayError {
    return new SlipwayError('SLW_DRIVER_ENGINE_UNREACHABLE', `The container engine at ${this.socketPath} ${why}.`, {
      cause,
      details: { socketPath: this.socketPath },
    });
  }
}
