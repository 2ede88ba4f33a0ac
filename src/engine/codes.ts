import type { CodeTable } from '../error-code-info.js';

export const engineCodes = {
  SLW_STATE_UNAVAILABLE: {
    title: 'The state database could not be opened or written.',
    hint: 'Check the state directory (--state-dir) exists, is writable and the disk is not full.',
    kind: 'internal',
  },
  SLW_STATE_CORRUPT: {
    title: 'The state database is not a readable SQLite database (damaged, truncated or not a database at all).',
    hint: 'Nothing was changed and the running apps keep serving. Restore state.db from a copy (slipway keeps state.db.v<N>-<time>.bak before each schema upgrade), or move it aside and start again with `--state-dir` pointing at a new directory.',
    kind: 'user',
  },
  SLW_STATE_NEWER: {
    title: 'The state database was written by a newer slipway, whose schema this build does not know.',
    hint: 'Run the newer slipway again (nothing was changed), or restore the state.db.v<N>-<time>.bak copy the newer one made before it upgraded the file.',
    kind: 'user',
  },
  SLW_STATE_LOST: {
    title: 'The state database is missing or empty while releases of this state directory are on disk.',
    hint: 'Nothing was started or stopped. Restore state.db (or a state.db.v<N>-<time>.bak copy) into the state directory; to really start from nothing, move the releases/ directory aside first.',
    kind: 'user',
  },
  SLW_DEPLOY_CANCELLED: {
    title: 'The deployment was cancelled (Ctrl-C on the deploying terminal, or `slipway deploy --cancel`) before it committed, and went back.',
    hint: 'Nothing of the new release serves: the old release kept or got its traffic back. Deploy again when ready.',
    kind: 'deploy',
  },
  SLW_DEPENDENCY_UNHEALTHY: {
    title: 'A service of a stack deploy did not start: a service it depends on (dependsOn) has no healthy instance of its active release.',
    hint: 'See `slipway status` and `slipway logs` of the dependency; once it is healthy again, deploy again. The services this deploy had switched went back (stack rollback).',
    kind: 'deploy',
  },
  SLW_NO_DEPLOYMENT_RUNNING: {
    title: 'No deployment is running (for this service) to follow or cancel.',
    hint: '`slipway history` lists past deployments; `slipway events` shows what happened recently.',
    kind: 'user',
  },
  SLW_ENGINE_BAD_TRANSITION: {
    title: 'An instance or deployment was asked to make a state change its state machine forbids.',
    hint: 'This is a bug in slipway: report it with the output of `slipway history --json`.',
    kind: 'internal',
  },
  SLW_LOCK_HELD: {
    title: 'Another deploy or rollback holds the deploy lock.',
    hint: 'Wait for it to finish (`slipway lock status` shows the owner). A crashed owner loses the lock when its heartbeat expires; `slipway lock release --force` frees it at once.',
    kind: 'user',
  },
  SLW_UNKNOWN_SERVICE: {
    title: 'The service named on the command line is not in the config.',
    hint: 'Use one of the service names under `services:` in slipway.yaml (`slipway status` lists them).',
    kind: 'user',
  },
  SLW_HEALTH_TIMEOUT: {
    title: 'A new instance did not pass its health check before the deadline, so it was never given traffic.',
    hint: 'Check the instance log lines shown, that the app listens on $PORT and answers health.path with a 2xx or 3xx status; raise health.startTimeout if it just boots slowly.',
    kind: 'deploy',
  },
  SLW_INSTANCE_EXITED: {
    title: 'A new instance exited while it was starting, so it was never given traffic.',
    hint: 'Read the instance log lines shown: the run command failed. Try it by hand in the release directory with PORT set.',
    kind: 'deploy',
  },
  SLW_DEPLOY_REVERTED: {
    title: 'The new release misbehaved during the watch window and traffic was flipped back to the previous release.',
    hint: 'The reason names what failed (health or error rate). Fix the release and deploy again; the previous release kept serving.',
    kind: 'deploy',
  },
  SLW_DEPLOY_INTERRUPTED: {
    title: 'A deploy was interrupted (the daemon stopped or restarted) and was reverted on recovery.',
    hint: 'Nothing is half-applied: the previous release serves. Run the deploy again.',
    kind: 'deploy',
  },
  SLW_NO_PREVIOUS_RELEASE: {
    title: 'There is no previous release to roll back to.',
    hint: 'A rollback needs at least two successful deploys of the service; `slipway history` shows them.',
    kind: 'user',
  },
  SLW_DEPENDENCY_NOT_DEPLOYED: {
    title: 'A service reads an output (${service:NAME.OUTPUT}) of a service that has no running release here.',
    hint: 'Deploy the dependency first (`slipway deploy` with no service deploys every service in dependsOn order), then this service.',
    kind: 'user',
  },
  SLW_SERVICE_USER_UNKNOWN: {
    title: 'A service names a system user (`user:`) this host does not have, or the daemon cannot switch to it.',
    hint: 'Create the user (e.g. `useradd --system NAME`) or fix the name; switching users needs a daemon running as root.',
    kind: 'user',
  },
  SLW_RELEASE_HOOK_FAILED: {
    title: 'The release command (`release:`, e.g. a migration) failed; the deploy stopped before any new instance started.',
    hint: 'Read its last lines (shown with the error; the whole output is release.log in the release directory), fix it and deploy again. The old release kept serving. A migration that ran part way is not undone: see `rollback --with-data` and `backups.beforeDeploy`.',
    kind: 'deploy',
  },
  SLW_VOLUME_PATH_TAKEN: {
    title: 'A volume goes where the release has a file.',
    hint: 'Point the volume at a directory (e.g. ./data) and keep the file inside it, or remove the file from the source.',
    kind: 'user',
  },
  SLW_RELEASE_GONE: {
    title: 'The release to start is no longer on disk (pruned).',
    hint: 'slipway keeps the last 5 releases per service; deploy the wanted version again instead.',
    kind: 'user',
  },
  SLW_NO_CANARY: {
    title: 'The service has no canary in progress.',
    hint: 'Start one with `slipway deploy <service> --strategy canary`; `slipway canary status` lists canaries in progress.',
    kind: 'user',
  },
  SLW_CANARY_ROLLED_BACK: {
    title: 'The canary judge found the new release worse than the stable one, and all traffic went back to the stable release.',
    hint: 'The reason names the test (errors, p95 or p99 latency) and the deploy report shows the evidence per step; fix the release and deploy again.',
    kind: 'deploy',
  },
  SLW_CANARY_ABORTED: {
    title: 'The canary was aborted by `slipway canary abort`; all traffic went back to the stable release.',
    hint: 'Nothing else to do: the stable release serves. Deploy again when ready.',
    kind: 'deploy',
  },
  SLW_MAINTENANCE_UNKNOWN_SERVICE: {
    title: '`slipway maintenance` named a service that is not deployed.',
    hint: 'Use a service name from `slipway status`, or leave it out to switch every service.',
    kind: 'user',
  },
  SLW_MAINTENANCE_BAD_ADDRESS: {
    title: 'An --allow value of `slipway maintenance on` is not an IP address or CIDR block.',
    hint: 'Pass addresses like 203.0.113.7 or 10.0.0.0/8 (IPv6 too, e.g. 2001:db8::/32); repeat --allow for several.',
    kind: 'user',
  },
  SLW_MAINTENANCE_ALL_ON: {
    title: 'Maintenance is on for every service, so one service cannot be switched off on its own.',
    hint: 'Run `slipway maintenance off` (every service), then `slipway maintenance on <service>` for each service that should stay in maintenance.',
    kind: 'user',
  },
  SLW_NO_FREE_PORT: {
    title: 'No free local port could be found for a new instance.',
    hint: 'Too many sockets are open on this machine; stop unused instances or processes.',
    kind: 'internal',
  },
} as const satisfies CodeTable;
