import type { CodeTable } from '../error-code-info.js';

export const apiCodes = {
  SLW_DAEMON_UNREACHABLE: {
    title: 'The slipway daemon is not running for this state directory (its socket does not answer).',
    hint: 'Start it with `slipway daemon --detach` (same --config/--state-dir), then run the command again.',
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
