/** How a container service gets its image (absent on a process service). */
export type ContainerSource =
  | { readonly kind: 'image'; readonly image: string }
  | {
      readonly kind: 'dockerfile';
      /** Absolute directory sent to the engine as the build context. */
      readonly context: string;
      /** The Dockerfile's path inside the context (posix, relative). */
      readonly dockerfile: string;
      readonly target?: string | undefined;
      readonly buildArgs: Readonly<Record<string, string>>;
    };

/**
 * Limits and isolation of an instance. The container driver enforces every field; the process
 * driver gets memoryBytes, pids and openFiles only (as rlimits), with the rest at their defaults.
 */
export interface ContainerIsolation {
  readonly memoryBytes?: number | undefined;
  readonly cpus?: number | undefined;
  readonly pids?: number | undefined;
  /** RLIMIT_NOFILE, soft and hard. */
  readonly openFiles?: number | undefined;
  readonly user?: string | undefined;
  readonly readOnly: boolean;
  readonly tmpfs: readonly string[];
  /** Capabilities given back after dropping all. */
  readonly capAdd: readonly string[];
}
