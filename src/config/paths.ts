import { dirname, join, resolve } from 'node:path';

export interface PathOptions {
  /** --config flag. */
  readonly config?: string | undefined;
  /** --state-dir flag. */
  readonly stateDir?: string | undefined;
  readonly cwd: string;
  readonly environ: NodeJS.ProcessEnv;
}

export interface ResolvedPaths {
  readonly configFile: string;
  readonly stateDir: string;
}

/**
 * Where the config file and the state directory are, as absolute paths. Config: the flag, else
 * ./slipway.yaml. State: the flag, else $SLIPWAY_STATE_DIR, else .slipway/ beside the config.
 * Empty flags or variables count as unset.
 */
export function resolvePaths(o: PathOptions): ResolvedPaths {
  const configFile = resolve(o.cwd, o.config || 'slipway.yaml');
  const fromEnv = o.environ['SLIPWAY_STATE_DIR'];
  const stateDir = o.stateDir
    ? resolve(o.cwd, o.stateDir)
    : fromEnv
      ? resolve(o.cwd, fromEnv)
      : join(dirname(configFile), '.slipway');
  return { configFile, stateDir };
}
