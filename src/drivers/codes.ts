import type { CodeTable } from '../error-code-info.js';

export const driverCodes = {
  SLW_DRIVER_SPAWN_FAILED: {
    title: 'An app instance could not be started.',
    hint: 'Check that the service command exists (on the PATH given in its env, or as an absolute path), is executable, and that the release directory exists.',
    kind: 'user',
  },
  SLW_DRIVER_INVALID_SPEC: {
    title: 'An instance was described in a way the driver cannot run.',
    hint: 'This is a bug in slipway (the engine built a bad instance spec): run again with --json and report the output.',
    kind: 'internal',
  },
  SLW_DRIVER_INSTANCE_EXISTS: {
    title: 'An instance with this id is already running.',
    hint: 'This is a bug in slipway (instance ids must be unique): run again with --json and report the output.',
    kind: 'internal',
  },
  SLW_DRIVER_STOP_FAILED: {
    title: 'An app instance did not exit, even after SIGKILL.',
    hint: 'The process may be stuck in the kernel (uninterruptible I/O, e.g. a hung network mount). Check it with `ps -o pid,stat,wchan -p <pid>`.',
    kind: 'internal',
  },
  SLW_DRIVER_UNKNOWN: {
    title: 'An instance or release names a driver this daemon does not run.',
    hint: 'The state was written by a slipway with another driver (e.g. containers) configured: start the daemon with that driver available, or deploy the service again.',
    kind: 'user',
  },
  SLW_DRIVER_LOG_FAILED: {
    title: 'An instance log file could not be opened, rotated or read.',
    hint: 'Check that the log directory exists, the disk is not full and slipway may write there.',
    kind: 'internal',
  },
} as const satisfies CodeTable;
