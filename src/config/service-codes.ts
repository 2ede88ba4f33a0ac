import type { CodeTable } from '../error-code-info.js';

/**
 * Config codes of what a service is and runs: its kind (web, worker, accessory), its
 * dependencies and the outputs it reads from them, its volumes, and how a container service
 * gets its image and limits. One issue each inside SLW_CONFIG_INVALID's `details.issues`.
 */
export const serviceCodes = {
  SLW_CONFIG_UNKNOWN_DEPENDENCY: {
    title: 'A service depends on a service the file does not have.',
    hint: 'Name a service under `services:` in `dependsOn` (check the spelling), or remove the entry.',
    kind: 'user',
  },
  SLW_CONFIG_DEPENDENCY_CYCLE: {
    title: 'Services depend on each other in a circle, so no order can deploy them.',
    hint: 'Remove one `dependsOn` entry of the circle shown: a dependency must be deployable before the service that needs it.',
    kind: 'user',
  },
  SLW_CONFIG_WORKER_ROUTES: {
    title: 'A worker has routes.',
    hint: 'A worker takes no traffic: remove its routes, or make it a web service (`kind: web`, the default).',
    kind: 'user',
  },
  SLW_CONFIG_HEALTH_TWICE: {
    title: 'A health block gives both `readiness` and check settings beside it.',
    hint: 'Either the single form (`health: { path, interval, … }`: one check that gates traffic and restarts) or `health: { readiness: { path, … }, liveness: { path, … } }`; move the settings into readiness.',
    kind: 'user',
  },
  SLW_CONFIG_HEALTH_KIND: {
    title: 'A health check is not one this service can have.',
    hint: 'Give one of `path` (HTTP), `tcp: true` or `command`; a web service is checked over HTTP (`path`), tcp and command are for workers.',
    kind: 'user',
  },
  SLW_CONFIG_IMAGE_NAME: {
    title: 'An `image:` is not an image reference Docker or Podman accept.',
    hint: 'Write NAME[:TAG] with a lower-case name, e.g. nginx:1.27, ghcr.io/acme/web:v2 or localhost/app:dev (a digest @sha256:… may follow).',
    kind: 'user',
  },
  SLW_CONFIG_IMAGE_CONFLICT: {
    title: 'A service names both `image:` and `dockerfile:`.',
    hint: 'Keep `image:` to run an image as it is, or `dockerfile:` to have slipway build one per release; not both.',
    kind: 'user',
  },
  SLW_CONFIG_DOCKERFILE_FIELD: {
    title: '`context`, `target` or `buildArgs` is set on a service without `dockerfile:`.',
    hint: 'Add `dockerfile: PATH` to build an image, or remove the build fields.',
    kind: 'user',
  },
  SLW_CONFIG_DOCKERFILE_MISSING: {
    title: 'The Dockerfile or the build context of a service does not exist.',
    hint: 'Paths are relative to slipway.yaml; fix `dockerfile:` (a file) or `context:` (a directory).',
    kind: 'user',
  },
  SLW_CONFIG_DOCKERFILE_CONTEXT: {
    title: 'The Dockerfile lies outside its build context, so the engine cannot read it.',
    hint: 'Put the Dockerfile inside the `context:` directory, or widen `context:` to a directory that holds it.',
    kind: 'user',
  },
  SLW_CONFIG_CONTAINER_FIELD: {
    title: 'A container service sets a field that runs a command on the host (`build:` or `release:`).',
    hint: 'Build inside the Dockerfile (RUN) instead of `build:`; run migrations from the app\'s start command or a separate service until container release hooks exist.',
    kind: 'user',
  },
  SLW_CONFIG_CONTAINER_ONLY: {
    title: 'A limit or isolation setting (`resources.cpus`, `readOnly`, `tmpfs`, `capabilities`, or `resources.pids` without `user:`) is set on a process service, which cannot enforce it.',
    hint: 'A process service enforces `resources.memory`, `resources.openFiles` and (with `user:`) `resources.pids` as rlimits; the rest need the container driver: give the service an `image:` or `dockerfile:`, or remove them (slipway never accepts a limit it does not enforce). `tmpfs` also needs `readOnly: true`.',
    kind: 'user',
  },
  SLW_CONFIG_RESOURCES: {
    title: 'A resource limit is not a value slipway accepts.',
    hint: 'memory: "256m", "1g" or bytes (at least 4 MiB); cpus: a number from 0.01 (0.5 = half a CPU); pids: a whole number from 1.',
    kind: 'user',
  },
  SLW_CONFIG_VOLUME_PATH: {
    title: 'A volume\'s path is not a place inside the release.',
    hint: 'For a process service write a relative path inside the app, such as ./data or ./uploads (no "..", not absolute, not the release itself); for a container service, an absolute path inside the container such as /data.',
    kind: 'user',
  },
  SLW_CONFIG_OUTPUT_NAME: {
    title: 'An output name is malformed, or is "address", which every service has already.',
    hint: 'Name outputs with letters, digits, "_" and "-" (e.g. url); read a service\'s host:port as ${service:NAME.address}.',
    kind: 'user',
  },
  SLW_CONFIG_UNKNOWN_OUTPUT: {
    title: 'A ${service:NAME.OUTPUT} placeholder names a service the file does not have, or an output that service does not declare.',
    hint: 'Name a service of the file and one of its `outputs:` (or `address`), e.g. ${service:db.url}; check the spelling.',
    kind: 'user',
  },
  SLW_CONFIG_OUTPUT_NOT_DEPENDENCY: {
    title: 'A service reads another service\'s output without depending on it.',
    hint: 'Add the service to `dependsOn`: an output is read from the dependency\'s current release, which must be deployed (and healthy) first.',
    kind: 'user',
  },
  SLW_CONFIG_UNKNOWN_VOLUME: {
    title: 'A ${volume:NAME} placeholder, or a `volume:` backup source, names a volume that is not declared.',
    hint: 'Declare the volume under the service\'s `volumes:` (e.g. `volumes: { pgdata: {} }`), or fix the spelling.',
    kind: 'user',
  },
  SLW_CONFIG_REPLACE_KIND: {
    title: '`replace` is set on a service that is not a worker.',
    hint: 'Remove `replace`: a web service is replaced blue-green (or by canary) and an accessory always in place; `replace: stop-first` is for workers that must never run twice at once.',
    kind: 'user',
  },
  SLW_CONFIG_ACCESSORY_SHAPE: {
    title: 'An accessory has routes, more than one instance, or a canary strategy.',
    hint: 'An accessory (a database or cache) is one instance restarted in place and takes no routed traffic: remove routes, instances and strategy, or make it a web service.',
    kind: 'user',
  },
} as const satisfies CodeTable;
