/**
 * The systemd unit that runs slipway's daemon as a service (`slipway service install`): started
 * at boot, restarted when it fails, and stopped alone — KillMode=process, so stopping or
 * restarting the service leaves the proxy and the apps serving, as a daemon restart always does
 * (they are adopted by the next daemon). Hardening: what systemd offers that neither the daemon
 * nor the apps it starts need (docs/design.md, "Running as a service").
 */

/** First line of every unit slipway writes: how `install` knows it may replace one, and `uninstall` that it may remove it. */
export const UNIT_MARK = '# Written by `slipway service install`; `slipway service uninstall` removes it.';

export interface UnitOptions {
  /** argv of the daemon: node, its flags, the daemon entry point and its options (absolute paths). */
  readonly argv: readonly string[];
  /** The folder of slipway.yaml (relative paths in the config are relative to it). */
  readonly workingDirectory: string;
  /** A user unit (`systemctl --user`, started with the user's manager) rather than a system one. */
  readonly user: boolean;
  /** Shown by `systemctl status`. */
  readonly description: string;
}

/**
 * One word of ExecStart: double-quoted, with `\` and `"` escaped for systemd's own splitting,
 * `%` doubled (a specifier otherwise) and `$` doubled (an environment reference otherwise).
 */
export function quoteExecArg(arg: string): string {
  if (/[\0\n\r]/.test(arg)) throw new Error(`An argument of the unit holds a control character: ${JSON.stringify(arg)}`);
  return `"${arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

/** A path setting (WorkingDirectory=): not split, but `%` is still a specifier. */
function pathValue(path: string): string {
  if (/[\0\n\r]/.test(path)) throw new Error(`A path of the unit holds a control character: ${JSON.stringify(path)}`);
  return path.replace(/%/g, '%%');
}

export function renderUnit(o: UnitOptions): string {
  const system = !o.user;
  return [
    UNIT_MARK,
    '[Unit]',
    `Description=${o.description.replace(/%/g, '%%')}`,
    'Documentation=man:systemd.service(5)',
    ...(system ? ['After=network-online.target', 'Wants=network-online.target'] : []),
    'StartLimitIntervalSec=60',
    'StartLimitBurst=10',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${o.argv.map(quoteExecArg).join(' ')}`,
    `WorkingDirectory=${pathValue(o.workingDirectory)}`,
    'Restart=on-failure',
    'RestartSec=2s',
    // Only the daemon: the proxy and the apps keep serving through a stop or a restart of the service.
    'KillMode=process',
    'TimeoutStopSec=30s',
    'LimitNOFILE=65536',
    'UMask=0077',
    // Hardening that slipway and the apps it starts can live with.
    'NoNewPrivileges=yes',
    'RestrictSUIDSGID=yes',
    'LockPersonality=yes',
    'RestrictRealtime=yes',
    ...(system
      ? ['ProtectSystem=full', 'ProtectKernelTunables=yes', 'ProtectKernelModules=yes', 'ProtectKernelLogs=yes', 'ProtectControlGroups=yes', 'ProtectClock=yes', 'ProtectHostname=yes']
      : []),
    '',
    '[Install]',
    `WantedBy=${system ? 'multi-user.target' : 'default.target'}`,
    '',
  ].join('\n');
}
