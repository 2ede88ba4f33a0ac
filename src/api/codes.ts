import type { CodeTable } from '../error-code-info.js';

export const apiCodes = {
  SLW_DAEMON_UNREACHABLE: {
    title: 'The slipway daemon is not running for this state directory (its socket does not answer).',
    hint: 'Start it with `slipway daemon --detach` (same --config/--state-dir), then run the command again.',
    kind: 'user',
  },
  SLW_PROJECT_UNKNOWN: {
    title: 'The project named (or the project of this config file) is not registered on this host.',
    hint: 'Run the command from the project\'s folder (or pass --config FILE), or name it with --project NAME; `slipway projects` lists the projects on this host.',
    kind: 'user',
  },
  SLW_PROJECT_CONFLICT: {
    title: 'Two config files claim the same project name on this host.',
    hint: 'Give one of them another name with `project: NAME` at the top of its slipway.yaml (the name defaults to the folder\'s name), or remove the old project with `slipway projects remove NAME`.',
    kind: 'user',
  },
  SLW_PROJECT_RENAMED: {
    title: 'This config file was deployed under another project name than the one it names now.',
    hint: 'Put the old `project:` name back, or remove the old project first with `slipway projects remove OLD` (it stops its instances) and deploy again.',
    kind: 'user',
  },
  SLW_ROUTE_CONFLICT: {
    title: 'A route of this project has the same host and path as a route another project on this host serves.',
    hint: 'Change the host or path of one of the two routes; each host + path belongs to one project.',
    kind: 'user',
  },
  SLW_HOST_SETTINGS_CONFLICT: {
    title: 'This project\'s `proxy:` settings differ from the host\'s, which another project set.',
    hint: 'Host-wide settings (listen address and ports, trusted proxies, limits, rate-limit zones, access log) are one per host: make `proxy:` equal in both files, or remove it from this one to use the host\'s.',
    kind: 'user',
  },
  SLW_DAEMON_ALREADY_RUNNING: {
    title: 'A daemon already runs for this state directory.',
    hint: 'Use the running daemon, or stop it first with `slipway stop`.',
    kind: 'user',
  },
  SLW_DAEMON_STOP_TIMEOUT: {
    title: 'The daemon was asked to stop but did not exit in time.',
    hint: 'It may still be draining instances; check `slipway status`, or its log in <state-dir>/logs/daemon.log.',
    kind: 'internal',
  },
  SLW_CLIENT_GONE: {
    title: 'The client of a streamed call (deploy, events) closed its connection before the end.',
    hint: 'A foreground deploy whose client goes away (Ctrl-C) is cancelled and reverted; use `slipway deploy --follow` from another terminal to watch one without owning it.',
    kind: 'user',
  },
  SLW_DASHBOARD_OFF: {
    title: 'The daemon serves no dashboard: its config has no dashboard section, or it did not load.',
    hint: 'Add `dashboard: { listen: 127.0.0.1:9190 }` to the slipway.yaml that starts the daemon and restart it (`slipway stop --keep-apps`, then any command); the daemon log says why a config did not load.',
    kind: 'user',
  },
  SLW_API_BAD_REQUEST: {
    title: 'The daemon received a request that does not match the control API schema.',
    hint: 'The CLI and daemon versions may differ: restart the daemon with the same slipway version.',
    kind: 'internal',
  },
  SLW_API_BAD_RESPONSE: {
    title: 'The daemon sent a response that does not match the control API schema.',
    hint: 'The CLI and daemon versions may differ: restart the daemon with the same slipway version.',
    kind: 'internal',
  },
} as const satisfies CodeTable;
