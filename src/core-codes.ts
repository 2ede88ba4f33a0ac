import type { CodeTable } from './error-code-info.js';

/** Codes that belong to no single subsystem. */
export const coreCodes = {
  SLW_INTERNAL: {
    title: 'An unexpected internal error happened.',
    hint: 'This is a bug in slipway: run again with --json and report the output.',
    kind: 'internal',
  },
  SLW_CONFIRMATION_REQUIRED: {
    title: 'A command that deletes something was not confirmed.',
    hint: 'Run it in a terminal and type the name it asks for, or pass --yes (scripts and CI).',
    kind: 'user',
  },
  SLW_SERVICE_EXISTS: {
    title: 'A systemd unit of that name exists and slipway did not write it.',
    hint: 'Pass --name to choose another unit name, or remove that unit yourself.',
    kind: 'user',
  },
  SLW_SERVICE_NOT_INSTALLED: {
    title: 'There is no slipway systemd unit of that name to remove.',
    hint: 'Check --name (and --unit-dir); `systemctl list-unit-files \'slipway*\'` lists the units.',
    kind: 'user',
  },
  SLW_SERVICE_SYSTEMCTL_FAILED: {
    title: 'systemctl refused a step of installing or removing the service.',
    hint: 'Read its message (shown with the error); `journalctl -u NAME` tells why a unit failed to start.',
    kind: 'user',
  },
  SLW_USAGE: {
    title: 'The command line could not be understood.',
    hint: 'Run `slipway help` (or `slipway <command> --help`) to see the commands and their options.',
    kind: 'user',
  },
  SLW_IO: {
    title: 'A file or directory could not be read or written.',
    hint: 'Check that the path exists, the disk is not full and slipway may write there.',
    kind: 'internal',
  },
  SLW_DISK_FULL: {
    title: 'A file could not be written: the file system has no space left (or the quota is used up).',
    hint: 'Free space on that file system (old logs, releases, backups; `df -h` on the state directory), then retry. Traffic keeps flowing to the release already serving.',
    kind: 'user',
  },
} as const satisfies CodeTable;
