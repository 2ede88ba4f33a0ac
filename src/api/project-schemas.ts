/** The control API's methods about projects, services and volumes on the host (the rest: schemas.ts). */
import { z } from 'zod';

const Empty = z.strictObject({});

/**
 * Which project a request is about: --project NAME, else the project deployed from the config
 * file the CLI found, else (a host with one project) that one.
 */
/** A config file named to the daemon: absolute, since the daemon's working directory is not the caller's. */
export const ConfigFilePath = z.string().regex(/^\//, 'an absolute path');

export const ProjectScopeFields = {
  project: z.string().optional(),
  configFile: ConfigFilePath.optional(),
};

/** A project on the host, for `slipway projects`. */
export const ProjectViewSchema = z.strictObject({
  name: z.string(),
  /** The config file it was deployed from (absent: state of before projects, not deployed since). */
  configFile: z.string().optional(),
  env: z.string().optional(),
  registeredAt: z.string().optional(),
  services: z.number().int().nonnegative(),
  serving: z.number().int().nonnegative(),
  instances: z.number().int().nonnegative(),
});

export const projectMethods = {
  /** `slipway remove SERVICE`: routes out of the proxy, instances stopped, releases deleted; volumes only with `volumes`. */
  'service.remove': {
    request: z.strictObject({ ...ProjectScopeFields, service: z.string().min(1), volumes: z.boolean().optional() }),
    response: z.strictObject({
      service: z.string(),
      stopped: z.number().int().nonnegative(),
      releases: z.number().int().nonnegative(),
      volumes: z.array(z.string()),
      keptVolumes: z.array(z.string()),
    }),
    stream: false,
  },
  /** `slipway volumes`: the project's persistent directories. */
  volumes: {
    request: z.strictObject(ProjectScopeFields),
    response: z.strictObject({
      volumes: z.array(z.strictObject({ name: z.string(), dir: z.string(), bytes: z.number().int().nonnegative(), services: z.array(z.string()) })),
    }),
    stream: false,
  },
  /** `slipway projects`: every project on this host. */
  'projects.list': { request: Empty, response: z.strictObject({ projects: z.array(ProjectViewSchema) }), stream: false },
  /** `slipway projects remove NAME`: stops its instances, takes its routes out of the proxy, forgets its state. */
  'projects.remove': {
    request: z.strictObject({ name: z.string().min(1) }),
    response: z.strictObject({ removed: z.string(), stopped: z.number().int().nonnegative() }),
    stream: false,
  },
} as const;
