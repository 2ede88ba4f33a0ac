/** The engine's view of container images: what a container release needs before it starts. */
export interface ImageBuild {
  readonly context: string;
  readonly dockerfile: string;
  readonly target?: string | undefined;
  readonly buildArgs: Readonly<Record<string, string>>;
  /** The tag the release runs (project, service and release in its name). */
  readonly tag: string;
  /** The build's output goes here; its last lines go in the error when it fails. */
  readonly logFile: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

export interface ImageStore {
  /** Resolves when the engine answers; SLW_DRIVER_ENGINE_UNREACHABLE otherwise. */
  ping(): Promise<void>;
  /** The engine holds this image (nothing is pulled). */
  exists(ref: string): Promise<boolean>;
  /** Builds on the engine of this host; SLW_DRIVER_BUILD_FAILED with the last lines when a step fails. */
  build(o: ImageBuild): Promise<void>;
  /** Removes an image slipway built (release retention); one still in use stays. */
  remove(ref: string): Promise<void>;
  /** Repository prefix of the images this state dir builds (localhost/slipway-<8 hex>). */
  readonly repository: string;
}
