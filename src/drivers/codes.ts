import type { CodeTable } from '../error-code-info.js';

export const driverCodes = {
  SLW_DRIVER_SPAWN_FAILED: {
    title: 'An app instance could not be started.',
    hint: 'Check that the service command exists (on the PATH given in its env, or as an absolute path), is executable, and that the release directory exists.',
    kind: 'user',
  },
  SLW_DRIVER_LIMIT_REFUSED: {
    title: 'A process service\'s resources: limit cannot be applied on this host, so its instance was not started; the old release keeps serving.',
    hint: 'The error names the limit and the ceiling: an instance with a `user:` of its own cannot raise a hard limit above the daemon\'s, and no process may open more files than fs.nr_open. Lower the value in slipway.yaml (or raise the daemon\'s limit, e.g. LimitNOFILE= in its systemd unit) and deploy again.',
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
  SLW_DRIVER_ENGINE_UNREACHABLE: {
    title: 'The container engine (Docker or Podman) could not be reached, or did not answer in time.',
    hint: 'Check that the engine runs (`systemctl status docker`, or `podman system service`) and that its socket path is right and writable by slipway; nothing was changed.',
    kind: 'user',
  },
  SLW_DRIVER_BUILD_FAILED: {
    title: 'The container engine could not build a service\'s Dockerfile; the release was not made and the old one keeps serving.',
    hint: 'The error ends with the build\'s last lines (all of them are in the release\'s build.log): fix the Dockerfile, or put its base image on the engine (slipway never pulls from a registry by itself), then deploy again.',
    kind: 'user',
  },
  SLW_DRIVER_IMAGE_MISSING: {
    title: 'The image a container instance needs is not on the container engine.',
    hint: 'Build the image on this host (`docker build -t NAME .` / `podman build`) or pull it, then deploy again; slipway does not pull from a registry by itself.',
    kind: 'user',
  },
} as const satisfies CodeTable;
