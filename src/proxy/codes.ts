import type { CodeTable } from '../error-code-info.js';

export const proxyCodes = {
  SLW_PROXY_UNREACHABLE: {
    title: 'The slipway proxy did not answer on its control socket.',
    hint: 'Check that the proxy is running (`slipway status`); the daemon restarts it, or start the daemon again. Its log is in <state-dir>/logs/proxy.log.',
    kind: 'internal',
  },
  SLW_PROXY_STALE_TABLE: {
    title: 'The proxy refused a routing table older than the one it already has.',
    hint: 'Another daemon, or an older run of this one, pushed a newer table. Read the current table (GET /v1/table) and push a table with a higher version.',
    kind: 'internal',
  },
  SLW_PROXY_BAD_TABLE: {
    title: 'The routing table sent to the proxy is not valid.',
    hint: 'This is a bug in the daemon that built the table: run again with --json and report the issues listed in the details.',
    kind: 'internal',
  },
  SLW_PROXY_NO_TABLE: {
    title: 'The proxy has no routing table yet.',
    hint: 'Deploy a service (`slipway deploy`): the daemon pushes the first table to the proxy.',
    kind: 'user',
  },
  SLW_PROXY_LISTEN_FAILED: {
    title: 'The proxy could not listen on the port it was asked to.',
    hint: 'Another program holds the port, or binding it needs privileges. Find the holder with `ss -ltnp "sport = :PORT"` and stop it, or set another port under `proxy.http` in slipway.yaml; ports below 1024 need root or CAP_NET_BIND_SERVICE.',
    kind: 'user',
  },
  SLW_PROXY_ALREADY_RUNNING: {
    title: 'A slipway proxy is already running for this state directory.',
    hint: 'Use the running proxy, or stop it first (POST /v1/shutdown on its control socket, or SIGTERM to the pid in <state-dir>/proxy/proxy.pid).',
    kind: 'user',
  },
  SLW_PROXY_START_FAILED: {
    title: 'The proxy process did not come up.',
    hint: 'Read the proxy log (the path is in the error details) for the reason; fix it and start again.',
    kind: 'internal',
  },
  SLW_PROXY_BAD_RESPONSE: {
    title: 'The proxy answered its control socket with something unexpected.',
    hint: 'The daemon and the proxy are probably different slipway versions: restart the proxy so both run the same version.',
    kind: 'internal',
  },
  SLW_PROXY_SHUTTING_DOWN: {
    title: 'The proxy is shutting down and takes no more table changes.',
    hint: 'Wait for it to exit, start it again, then push the table again (the daemon does this on its own).',
    kind: 'internal',
  },
  SLW_PROXY_HANDOFF_FAILED: {
    title: 'A proxy restart failed: the new proxy process did not take over.',
    hint: 'Nothing changed: the running proxy keeps serving. Read <state-dir>/logs/proxy.log for why the new process failed (often a broken install of the new version), fix it, and run `slipway proxy restart` again.',
    kind: 'internal',
  },
  SLW_PROXY_RESTART_IN_PROGRESS: {
    title: 'A proxy restart is already in progress.',
    hint: 'Wait for it to finish (`slipway proxy status` shows the new pid), then restart again if needed.',
    kind: 'user',
  },
  SLW_PROXY_NOT_FOUND: {
    title: 'The proxy control API has no such endpoint.',
    hint: 'The daemon and the proxy are probably different slipway versions: restart the proxy so both run the same version.',
    kind: 'internal',
  },
} as const satisfies CodeTable;
