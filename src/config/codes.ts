import type { CodeTable } from '../error-code-info.js';
import { serviceCodes } from './service-codes.js';

/**
 * Config codes. SLW_CONFIG_INVALID and SLW_CONFIG_NOT_FOUND are thrown; every other code
 * names one issue inside SLW_CONFIG_INVALID's `details.issues` (ConfigIssue.code).
 */
const fileCodes = {
  SLW_CONFIG_INVALID: {
    title: 'The config file has problems; nothing was changed.',
    hint: 'Fix each listed problem (file:line:col), then run `slipway check` again.',
    kind: 'user',
  },
  SLW_CONFIG_NOT_FOUND: {
    title: 'The config file does not exist.',
    hint: 'Run `slipway init` to create slipway.yaml, or pass its path with --config FILE.',
    kind: 'user',
  },
  SLW_CONFIG_CHECKER_FAILED: {
    title: "The daemon's config checker (the process that reads and checks slipway.yaml for it) stopped or could not start before it answered.",
    hint: 'Nothing was changed. Look at the last lines of the daemon log for why it stopped; if the host is short of memory or processes, free some and run the command again.',
    kind: 'internal',
  },
  SLW_CONFIG_UNREADABLE: {
    title: 'The config file exists but could not be read.',
    hint: 'Check that the path is a file (not a directory) and that you may read it.',
    kind: 'user',
  },
  SLW_CONFIG_NOT_A_FILE: {
    title: 'The config file or an envFile is a FIFO, a device or a socket, not a regular file.',
    hint: 'Point --config or `envFile:` at an ordinary file; slipway never reads pipes or devices, which could hang or never end.',
    kind: 'user',
  },
  SLW_CONFIG_FILE_TOO_LARGE: {
    title: 'The config file or an envFile is larger than slipway reads (1 MiB for slipway.yaml, 1 MiB for an envFile).',
    hint: 'Check that the path names the intended file; a real config or env file is a few kilobytes.',
    kind: 'user',
  },
  SLW_CONFIG_RECURSIVE_ALIAS: {
    title: 'A YAML alias refers to a node that contains it, which would make the config infinitely deep.',
    hint: 'Remove the alias (*name) from inside its own anchor (&name), or copy the values it stands for.',
    kind: 'user',
  },
  SLW_CONFIG_RESERVED_KEY: {
    title: 'A key is __proto__, constructor or prototype, which slipway refuses as a name anywhere in the config.',
    hint: 'Rename the key (service, environment, variable or any other name).',
    kind: 'user',
  },
  SLW_CONFIG_EMPTY: {
    title: 'The config file is empty.',
    hint: 'Start from `slipway init`, or write at least `version: 1` and one service under `services:`.',
    kind: 'user',
  },
  SLW_CONFIG_YAML: {
    title: 'The config file is not valid YAML.',
    hint: 'Fix the syntax at the given line and column (indentation with spaces, a space after ":", closed quotes).',
    kind: 'user',
  },
  SLW_CONFIG_DUPLICATE_KEY: {
    title: 'A key appears twice in the same mapping.',
    hint: 'Keep one of the two entries; YAML would otherwise silently drop one.',
    kind: 'user',
  },
  SLW_CONFIG_VERSION: {
    title: 'The config format version is not supported.',
    hint: 'Write `version: 1` on the first line; it is the only format this slipway understands.',
    kind: 'user',
  },
  SLW_CONFIG_UNKNOWN_KEY: {
    title: 'A key is not part of the config format.',
    hint: 'Check the spelling against `slipway schema`, or remove the key.',
    kind: 'user',
  },
  SLW_CONFIG_MISSING_KEY: {
    title: 'A required key is missing.',
    hint: 'Add the key; `slipway schema` lists the required ones.',
    kind: 'user',
  },
  SLW_CONFIG_INVALID_TYPE: {
    title: 'A value has the wrong type.',
    hint: 'Write the kind of value the key expects (see `slipway schema`).',
    kind: 'user',
  },
  SLW_CONFIG_BAD_DURATION: {
    title: 'A duration is malformed.',
    hint: 'Write a number with a unit: 500ms, 30s, 10m, 2h or 1d (a bare number is ambiguous; write 30s).',
    kind: 'user',
  },
  SLW_CONFIG_BAD_SIZE: {
    title: 'A size is malformed.',
    hint: 'Write a number with a unit: 512B, 32KB, 10MB, 1GB.',
    kind: 'user',
  },
  SLW_CONFIG_BAD_PORT: {
    title: 'A port number is out of range.',
    hint: 'Write a whole number from 1 to 65535 (0 picks a free port, for tests only).',
    kind: 'user',
  },
  SLW_CONFIG_BAD_HOST: {
    title: 'A host name or listen address is malformed.',
    hint: 'Routes take a lower-case DNS name such as app.example.com or *.example.com, without port; proxy.host takes an IP address.',
    kind: 'user',
  },
  SLW_CONFIG_BAD_LISTEN: {
    title: 'A listen address (host:port) is malformed.',
    hint: 'Write an IP address (or localhost) and a port, such as 127.0.0.1:9180 or [::1]:9180; prefer a loopback address, since /metrics is not authenticated.',
    kind: 'user',
  },
  SLW_CONFIG_BAD_PATH: {
    title: 'A URL path is malformed.',
    hint: 'Write a path that starts with "/" and has no spaces, "?" or "#", e.g. /api.',
    kind: 'user',
  },
  SLW_CONFIG_BAD_TLS: {
    title: 'A TLS setting has a value slipway does not know.',
    hint: 'A route takes `tls: auto` (ACME), `internal` (local CA), `off`, or `{ cert: FILE, key: FILE }`; `hsts` takes true, false, a duration or `{ maxAge, includeSubDomains, preload }`; `tls.acme.email` an email address.',
    kind: 'user',
  },
  SLW_CONFIG_BAD_ACME_DIRECTORY: {
    title: 'tls.acme.directory is not a known directory name or an https URL.',
    hint: 'Write letsencrypt, letsencrypt-staging, or the https:// URL of the ACME directory.',
    kind: 'user',
  },
  SLW_CONFIG_HSTS_PRELOAD: {
    title: 'A route asks for HSTS preload without meeting the preload list requirements.',
    hint: 'hstspreload.org accepts a host only with `hsts: { maxAge: 365d or more, includeSubDomains: true, preload: true }`, TLS on and `redirectHttp` on; meet all of them, or drop `preload`.',
    kind: 'user',
  },
  SLW_CONFIG_TLS_NO_ACME: {
    title: 'A route asks for tls: auto but there is no tls.acme section.',
    hint: 'Add `tls: { acme: { email: you@example.com } }` at the top level, or use `tls: internal` for local names.',
    kind: 'user',
  },
  SLW_CONFIG_TLS_NO_DNS_PROVIDER: {
    title: 'A wildcard route asks for tls: auto (or tls.acme.challenge is dns-01) but tls.acme has no dns01 section.',
    hint: 'A CA proves a wildcard name only by DNS-01: add `tls.acme.dns01` (provider rfc2136 with server and TSIG key, or cloudflare with apiToken; docs/config.md#dns-01), or name each host instead of the wildcard.',
    kind: 'user',
  },
  SLW_CONFIG_ROUTE_CONFLICT: {
    title: 'Two services claim the same host and path.',
    hint: 'Give each service its own host or path prefix; a request must have exactly one destination.',
    kind: 'user',
  },
  SLW_CONFIG_SERVICE_NAME: {
    title: 'A service name is not allowed.',
    hint: 'Use lower-case letters, digits and "-", starting with a letter, at most 63 characters (e.g. web, api-v2).',
    kind: 'user',
  },
  SLW_CONFIG_PROJECT_NAME: {
    title: 'A project name is not allowed.',
    hint: 'Use lower-case letters, digits and "-", starting with a letter, at most 63 characters (e.g. shop, blog-2).',
    kind: 'user',
  },
  SLW_CONFIG_ENV_NAME: {
    title: 'An environment name is not allowed.',
    hint: 'Use lower-case letters, digits and "-", starting with a letter (e.g. staging, production).',
    kind: 'user',
  },
  SLW_CONFIG_ENV_VAR_NAME: {
    title: 'An environment variable name is not allowed.',
    hint: 'Use letters, digits and "_", not starting with a digit (e.g. DATABASE_URL).',
    kind: 'user',
  },
  SLW_CONFIG_RESERVED_ENV: {
    title: 'An environment variable name is reserved for slipway.',
    hint: 'slipway sets PORT and every SLIPWAY_* variable itself; rename the variable.',
    kind: 'user',
  },
  SLW_CONFIG_BAD_INTERPOLATION: {
    title: 'A ${...} placeholder is not recognized.',
    hint: 'Write ${env} or ${secret:NAME} (NAME.part for a key pair); write $${ for a literal "${" (e.g. shell variables: $${HOME} or $HOME).',
    kind: 'user',
  },
  SLW_CONFIG_ENV_REQUIRED: {
    title: '${env} is used but no environment was chosen.',
    hint: 'Pass --env NAME (one of the names under `environments:`), or stop using ${env}.',
    kind: 'user',
  },
  SLW_CONFIG_SECRETS_UNSUPPORTED: {
    title: '${secret:NAME} placeholders were not supported (slipway before secrets; no longer reported).',
    hint: 'Declare the secret under `secrets:` and set it with `slipway secrets set NAME`.',
    kind: 'user',
  },
  SLW_CONFIG_UNKNOWN_SECRET: {
    title: 'A ${secret:NAME} placeholder or a secretFiles entry names a secret the config does not declare.',
    hint: 'Declare it under `secrets:` (`NAME: {}`, or `NAME: { generate: { kind: hex } }`), or fix the spelling; NAME.part works only for key pairs (rsa, ec, vapid: publicKey, privateKey).',
    kind: 'user',
  },
  SLW_CONFIG_SECRET_NOT_ALLOWED: {
    title: 'A ${secret:NAME} placeholder is written in a setting that does not take secrets.',
    hint: 'Use secrets in `services.<name>.env` values (or mount them as files with `secretFiles: [NAME]`), basic-auth users, `backups.key`, postgres source urls, S3 credentials and the credential settings of alert notifiers (`alerts.notify[].secret`, `url`, `smtp`).',
    kind: 'user',
  },
  SLW_CONFIG_SECRET_FILE_CLASH: {
    title: 'A secretFiles entry would set a variable (NAME_FILE) that `env` or another entry already sets.',
    hint: 'Remove the variable from `env`, or list each secret once in `secretFiles`.',
    kind: 'user',
  },
  SLW_CONFIG_ENV_FILE_MISSING: {
    title: 'The envFile of a service does not exist.',
    hint: 'Create the file (it is relative to the config file, e.g. .env.production), or fix `envFile:`.',
    kind: 'user',
  },
  SLW_CONFIG_ENV_FILE_INVALID: {
    title: 'A line of an envFile is not NAME=value.',
    hint: 'Write one NAME=value per line (NAME: letters, digits, "_"); blank lines and lines starting with # are ignored; quote values with spaces.',
    kind: 'user',
  },
  SLW_CONFIG_STAGE_MISMATCH: {
    title: 'A value names another environment\'s stage (e.g. `-dev` or a staging URL inside production).',
    hint: 'Use this environment\'s own resource names and URLs, or write them with ${env}; `slipway check --strict` fails on these warnings.',
    kind: 'user',
  },
  SLW_CONFIG_STAGE_SPELLING: {
    title: 'Services spell the same stage in different ways (e.g. prod and production).',
    hint: 'Pick one spelling per stage across all services (best: the environment name, through ${env}).',
    kind: 'user',
  },
  SLW_CONFIG_UNKNOWN_ENV: {
    title: 'The environment chosen with --env is not declared in the config.',
    hint: 'Declare it under `environments:` or pass one of the declared names to --env.',
    kind: 'user',
  },
  SLW_CONFIG_SOURCE_MISSING: {
    title: 'A service source directory does not exist.',
    hint: 'Fix `source:` (it is relative to the config file) or create the directory.',
    kind: 'user',
  },
  SLW_CONFIG_BAD_COMMAND: {
    title: 'A build or run command is empty or malformed.',
    hint: 'Write the command as a string (`run: node server.js`) or as a non-empty list of strings.',
    kind: 'user',
  },
  SLW_CONFIG_RANGE: {
    title: 'A number is out of its allowed range.',
    hint: 'instances takes 1 to 64; health rise and fall take 1 to 100; all must be whole numbers.',
    kind: 'user',
  },
  SLW_CONFIG_BAD_PERCENT: {
    title: 'A traffic share is not a percentage.',
    hint: 'Write canary steps as percentages below 100 with the % sign, such as 5% or 25%.',
    kind: 'user',
  },
  SLW_CONFIG_BAD_STICKY: {
    title: 'The canary sticky setting is not one slipway knows.',
    hint: 'Use cookie (default), none, or header:<name> (a request header holding a user id, such as header:X-User-Id).',
    kind: 'user',
  },
  SLW_CONFIG_CANARY_JUDGE: {
    title: 'A canary judge setting is not one slipway can use.',
    hint: 'judge takes { errors: on | off | { margin: 0.2% }, latency: on | off | { margin: "20% + 5ms", quantiles: [p95, p99], loadRatio: 2 }, alpha: 0.01 }; warmup is a duration; lowTraffic is health or hold (docs/config.md).',
    kind: 'user',
  },
  SLW_CONFIG_CANARY_STEPS: {
    title: 'The canary steps do not form a valid plan.',
    hint: 'Steps must be above 0% and increase (e.g. [5%, 25%, 50%]); minHold and minRequests take one value per step, or one value for all.',
    kind: 'user',
  },
  SLW_CONFIG_HEALTH_TIMING: {
    title: 'The health check timings cannot work together.',
    hint: 'interval and timeout must be above 0, and startTimeout must leave room for rise × interval.',
    kind: 'user',
  },
  SLW_CONFIG_NO_SERVICES: {
    title: 'The config declares no services.',
    hint: 'Add at least one service under `services:` with a `run:` command.',
    kind: 'user',
  },
  SLW_CONFIG_BAD_BACKUPS: {
    title: 'A `backups:` setting has a value slipway does not know.',
    hint: 'See docs/config.md#backups: `key` (age1… / AGE-SECRET-KEY-1… / ${secret:NAME}) or `keyFile`, targets as { dir: PATH } or { s3: { endpoint, bucket, prefix, region, accessKey, secretKey } } (credentials as ${secret:NAME}), and sources as { postgres: { url } }, { dir: PATH } or { sqlite: FILE }.',
    kind: 'user',
  },
  SLW_CONFIG_BAD_CRON: {
    title: 'A backup or drill schedule is not a cron expression.',
    hint: 'Write five fields: minute hour day-of-month month day-of-week, such as "0 3 * * *" (every day at 03:00).',
    kind: 'user',
  },
  SLW_CONFIG_BACKUP_KEY_REQUIRED: {
    title: 'Backups are encrypted by default, and no key is given.',
    hint: 'Add `key: ${secret:BACKUP_KEY}` (an age identity; `slipway secrets set BACKUP_KEY`) or `keyFile: FILE`; or write `encrypt: false` to store backups in the clear on purpose.',
    kind: 'user',
  },
  SLW_CONFIG_UNKNOWN_BACKUP_SOURCE: {
    title: '`backups.beforeDeploy` names a source that is not declared.',
    hint: 'List names from `backups.sources`.',
    kind: 'user',
  },
  // Preflight (validation stage 4): what the machine offers, checked before anything changes.
  SLW_CONFIG_PORT_IN_USE: {
    title: 'Preflight: a configured port is held by another program (not this slipway\'s proxy or daemon).',
    hint: 'Stop the program listening there (`ss -ltnp` names it) or choose another port in slipway.yaml.',
    kind: 'user',
  },
  SLW_CONFIG_PORT_DENIED: {
    title: 'Preflight (warning): this user may not bind a configured port (below 1024 needs privileges).',
    hint: 'Run the daemon as root or with CAP_NET_BIND_SERVICE, or choose a port from 1024 up.',
    kind: 'user',
  },
  SLW_CONFIG_PORT_UNAVAILABLE: {
    title: 'Preflight: a configured listen address cannot be bound on this machine (an address it does not have?).',
    hint: 'Listen on an address this machine has: 0.0.0.0 for all, 127.0.0.1 for local only.',
    kind: 'user',
  },
  SLW_CONFIG_DIR_NOT_WRITABLE: {
    title: 'Preflight: a directory slipway writes to (state, logs, backups, restored data) is not writable and cannot be created.',
    hint: 'Create the directory and give the user slipway runs as write access, or point the setting (or --state-dir) elsewhere.',
    kind: 'user',
  },
  SLW_CONFIG_COMMAND_NOT_FOUND: {
    title: 'Preflight: a command the config runs (run, build, pg_dump for a PostgreSQL backup) is not found.',
    hint: 'Install the program or write its absolute path; a relative path starts at the service\'s source directory.',
    kind: 'user',
  },
  SLW_CONFIG_TOOL_MISSING: {
    title: 'Preflight (warning): an optional program is not installed (zstd for backups); slipway falls back to a slower way.',
    hint: 'Install it (Debian: `apt install zstd`), or ignore the warning.',
    kind: 'user',
  },
  SLW_CONFIG_DISK_FULL: {
    title: 'Preflight: the file system of the state directory has less free space than a deploy needs (256 MB by default).',
    hint: 'Free space (old releases, logs, backups) or move the state directory to a larger file system.',
    kind: 'user',
  },
  SLW_CONFIG_DISK_LOW: {
    title: 'Preflight (warning): the file system of the state directory is running low on space (below 1 GB by default).',
    hint: 'Free space (old releases, logs, backups) before it runs out; `slipway check --strict` fails on this warning.',
    kind: 'user',
  },
  SLW_CONFIG_BAD_HEADERS: {
    title: 'A service\'s `headers` setting is malformed: an unknown preset, a bad header name or value, or a header the proxy manages itself.',
    hint: 'Write strict, relaxed, off, or { preset, set: { name: value }, remove: [name] } with lower-case header names; HSTS is set per route with `hsts`.',
    kind: 'user',
  },
  SLW_CONFIG_BAD_COMPRESS: {
    title: 'A service\'s `compress` setting is not true or false.',
    hint: 'Write compress: true (brotli or gzip, chosen per client) or compress: false.',
    kind: 'user',
  },
  SLW_CONFIG_BAD_CIDR: {
    title: 'An entry of `proxy.trustedProxies` is not an IP address or CIDR block.',
    hint: 'Write addresses or blocks such as 10.0.0.0/8, 192.0.2.7 or 2001:db8::/32: the proxies in front of slipway whose X-Forwarded-For it may believe.',
    kind: 'user',
  },
  SLW_CONFIG_BAD_RATE: {
    title: 'A rate-limit zone is malformed: its name, or its rate.',
    hint: 'Name zones with lower-case letters, digits and "-", and write rates as a count per unit: 20/s, 5/min, 100/h (the name "off" is reserved).',
    kind: 'user',
  },
  SLW_CONFIG_UNKNOWN_ZONE: {
    title: 'A route names a rate-limit zone that `proxy.rateLimits` does not declare.',
    hint: 'Declare the zone under proxy.rateLimits (e.g. `api: { rate: 10/s, burst: 20 }`), fix the spelling, or write `rateLimit: off`.',
    kind: 'user',
  },
  SLW_CONFIG_BAD_PASSWORD_HASH: {
    title: 'A basic-auth user has a value that is not a password hash.',
    hint: 'Run `slipway secrets hash-password` and paste the scrypt$… line it prints; never write the password itself.',
    kind: 'user',
  },
} as const satisfies CodeTable;

/** Every config code: the file's own (format, keys, values, environments, preflight) and what a service is and runs. */
export const configCodes = { ...fileCodes, ...serviceCodes } as const satisfies CodeTable;

export type ConfigCode = keyof typeof configCodes;
