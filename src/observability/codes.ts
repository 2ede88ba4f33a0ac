import type { CodeTable } from '../error-code-info.js';

/**
 * Observability codes. SLW_ADMIN_LISTEN_FAILED is thrown at daemon start; the SLW_READY_*
 * codes name a failed check in the JSON body of /health/ready (503).
 */
export const observabilityCodes = {
  SLW_ADMIN_LISTEN_FAILED: {
    title: 'The admin HTTP listener (admin.listen) could not be opened.',
    hint: 'Another process may hold the port (`ss -ltnp`), or the address is not on this machine; change admin.listen in slipway.yaml and start the daemon again.',
    kind: 'user',
  },
  SLW_METRICS_FAILED: {
    title: 'The metrics could not be collected for a scrape.',
    hint: 'This is a bug: the answer body and <state-dir>/logs/daemon.log say what failed; report it.',
    kind: 'internal',
  },
  SLW_READY_PROXY_DOWN: {
    title: 'Not ready: the proxy does not answer on its control socket.',
    hint: 'The daemon restarts the proxy within seconds; if this persists read <state-dir>/logs/proxy.log.',
    kind: 'internal',
  },
  SLW_READY_JOURNAL_UNWRITABLE: {
    title: 'Not ready: the state database (journal) cannot be written.',
    hint: 'Check free space and permissions of <state-dir>/state.db; no deploy can be journaled until this is fixed.',
    kind: 'user',
  },
  SLW_READY_DISK_LOW: {
    title: 'Not ready: free disk space in the state directory is below the floor.',
    hint: 'Free space on the file system of the state directory (old logs, releases, backups).',
    kind: 'user',
  },
  SLW_ALERT_UNKNOWN_RULE: {
    title: 'No alert rule has this name (`slipway alerts silence`).',
    hint: '`slipway alerts list` shows the rules in force: the built-in ones (unless turned off) and those under alerts.rules.',
    kind: 'user',
  },
  SLW_ALERT_UNKNOWN_NOTIFIER: {
    title: 'No notifier has this name (`slipway alerts test`).',
    hint: 'Notifiers are named by alerts.notify[].name, else by their type (webhook, then webhook-2, ...); `slipway alerts list` shows them.',
    kind: 'user',
  },
  SLW_ALERT_NOTIFY_FAILED: {
    title: 'A notification could not be delivered, retries included.',
    hint: 'Check the notifier\'s URL or SMTP server and that it is reachable from the daemon; `slipway alerts list` shows its last error.',
    kind: 'user',
  },
  SLW_ALERT_BAD_SECRET: {
    title: 'A notifier setting written as ${secret:NAME} got a stored value that does not fit it (a webhook key under 16 characters, a URL that does not parse or has the wrong scheme); the notifier sends nothing.',
    hint: 'Store a fitting value with `slipway secrets set NAME` (the value is read from stdin, never shown); the next notification, or `slipway alerts test <notifier>`, reads it again.',
    kind: 'user',
  },
  SLW_ALERTS_OFF: {
    title: 'The daemon evaluates no alerts: its config has no alerts section, or it did not load.',
    hint: 'Add `alerts:` to the daemon\'s slipway.yaml, then `slipway daemon reload` (or deploy from that file); the daemon log says why a config did not load.',
    kind: 'user',
  },
} as const satisfies CodeTable;

export type ObservabilityCode = keyof typeof observabilityCodes;
