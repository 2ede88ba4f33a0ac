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
  SLW_HOST_URL_INVALID: {
    title: '--host (or SLIPWAY_HOST) is not an ssh:// URL slipway can use.',
    hint: 'Give ssh://user@server or ssh://user@server:2222: a user, a host name or IP address, an optional port, nothing after it (no password: key authentication only).',
    kind: 'user',
  },
  SLW_SSH_HOST_KEY: {
    title: 'The server\'s SSH host key is unknown or differs from the one in known_hosts, so slipway did not talk to it.',
    hint: 'Check the key with the server\'s owner, then add it to known_hosts (`ssh-keyscan -p PORT HOST`, compared against the server\'s fingerprint) or fix the stale line; slipway never accepts a key by itself.',
    kind: 'user',
  },
  SLW_SSH_AUTH: {
    title: 'The server refused the SSH login (key authentication only; slipway never asks for a password).',
    hint: 'Put the public key in the server user\'s ~/.ssh/authorized_keys and the private key where ssh finds it (ssh-agent, ~/.ssh/config, or SLIPWAY_SSH_COMMAND="ssh -i KEY").',
    kind: 'user',
  },
  SLW_SSH_UNREACHABLE: {
    title: 'The server could not be reached over SSH (refused, timed out, or its name does not resolve).',
    hint: 'Check the host name and port in --host / SLIPWAY_HOST, that sshd runs there, and that a firewall lets the port through (`ssh -p PORT user@server true` tells the same).',
    kind: 'user',
  },
  SLW_SSH_REMOTE_COMMAND: {
    title: 'The SSH login worked, but the server has no `slipway` command on the PATH of a non-interactive session.',
    hint: 'Install slipway on the server (README, "Install"), or name its command with SLIPWAY_REMOTE_COMMAND (e.g. "/usr/local/bin/slipway").',
    kind: 'user',
  },
  SLW_SSH_VERSION_MISMATCH: {
    title: 'The slipway on the server is another version than the one on this machine, so the command was not sent.',
    hint: 'Install the same version on both (README, "Install"): the control API is checked against one version\'s schemas at both ends.',
    kind: 'user',
  },
  SLW_SSH_FAILED: {
    title: 'ssh to the server failed in a way slipway does not know, or the source snapshot did not reach it.',
    hint: 'ssh\'s own words are in the message; run the same with `ssh -v` to see more, and check the disk space of the server\'s state directory.',
    kind: 'user',
  },
} as const satisfies CodeTable;
