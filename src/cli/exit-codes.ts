import type { SlipwayError } from '../errors.js';

/** Process exit codes; documented in docs/cli.md. */
export const EXIT = {
  ok: 0,
  /** A bug or an environment failure (SLW_INTERNAL, I/O). */
  internal: 1,
  /** Bad input: usage, config, unknown service, nothing to roll back. */
  user: 2,
  /** The deploy or rollback ran and failed; traffic stayed on (or went back to) the old release. */
  deployFailed: 3,
  /** No daemon answers for this state directory. */
  daemonDown: 4,
  /** Another deploy holds the lock. */
  locked: 5,
} as const;

export function exitCodeFor(err: SlipwayError): number {
  if (err.code === 'SLW_DAEMON_UNREACHABLE') return EXIT.daemonDown;
  if (err.code === 'SLW_LOCK_HELD') return EXIT.locked;
  switch (err.kind) {
    case 'user':
      return EXIT.user;
    case 'deploy':
      return EXIT.deployFailed;
    case 'internal':
      return EXIT.internal;
  }
}
