import type { CodeTable } from '../error-code-info.js';

/** Codes of `slipway import compose`: a compose file that cannot be read or translated. Nothing is written when one is thrown. */
export const composeCodes = {
  SLW_COMPOSE_NOT_FOUND: {
    title: 'The compose file does not exist.',
    hint: 'Pass the path of your compose file: `slipway import compose path/to/docker-compose.yml` (default: docker-compose.yml, then compose.yaml, in this folder).',
    kind: 'user',
  },
  SLW_COMPOSE_SYNTAX: {
    title: 'The compose file is not valid YAML.',
    hint: 'Fix the YAML at the line and column shown (`docker compose config` shows the same problem), then run the import again.',
    kind: 'user',
  },
  SLW_COMPOSE_INVALID: {
    title: 'The compose file has values that are not what Compose accepts.',
    hint: 'Each problem names its compose key path (e.g. services.api.ports[0]): fix those values (`docker compose config` checks the file), then run the import again.',
    kind: 'user',
  },
  SLW_COMPOSE_EMPTY: {
    title: 'The compose file has no service slipway can run.',
    hint: 'A compose file needs `services:` with at least one service that has an `image:` or a `build:` (a reverse proxy such as nginx is replaced by slipway\'s proxy, not imported).',
    kind: 'user',
  },
  SLW_COMPOSE_ROUTE_HOST: {
    title: 'The host given with --domain is not a host name a route can have.',
    hint: 'Pass a lower-case host name without scheme or port, e.g. --domain example.com (routes become example.com, or NAME.example.com for several web services).',
    kind: 'user',
  },
} as const satisfies CodeTable;
