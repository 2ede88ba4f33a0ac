import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { SlipwayError } from '../../errors.js';
import type { InstanceSpec } from '../driver.js';
import type { LocalProcess } from './local-handle.js';
import { readProcStat } from './proc-stat.js';
import { limitedCommand } from './rlimits.js';

export interface SpawnedInstance {
  readonly child: ChildProcess;
  readonly process: LocalProcess;
}

/** Marker variables that let a later daemon find its instances in /proc/<pid>/environ. */
export const OWNER_VAR = 'SLIPWAY_OWNER';
export const INSTANCE_VAR = 'SLIPWAY_INSTANCE_ID';

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function checkSpec(spec: InstanceSpec): void {
  const problems: string[] = [];
  if (!SAFE_ID.test(spec.id)) problems.push(`id ${JSON.stringify(spec.id)} is not a safe file name`);
  if (spec.command.length === 0 || !spec.command[0]) problems.push('command is empty');
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535) problems.push(`port ${spec.port} is out of range`);
  if (problems.length > 0) {
    throw new SlipwayError('SLW_DRIVER_INVALID_SPEC', `Instance ${spec.id} cannot be started: ${problems.join('; ')}.`, {
      details: { id: spec.id, problems },
    });
  }
}

function spawnFailed(spec: InstanceSpec, why: string, cause?: unknown): SlipwayError {
  return new SlipwayError('SLW_DRIVER_SPAWN_FAILED', `Instance ${spec.id} of ${spec.service} could not be started: ${why}.`, {
    cause,
    details: { id: spec.id, service: spec.service, command: spec.command, cwd: spec.cwd },
  });
}

function checkCwd(spec: InstanceSpec): void {
  let isDir = false;
  try {
    isDir = statSync(spec.cwd).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw spawnFailed(spec, `its working directory ${spec.cwd} does not exist`);
}

function openLog(logFile: string): number {
  try {
    mkdirSync(dirname(logFile), { recursive: true });
    return openSync(logFile, 'a', 0o640);
  } catch (err) {
    throw new SlipwayError('SLW_DRIVER_LOG_FAILED', `Log file ${logFile} could not be opened: ${(err as Error).message}.`, {
      cause: err,
    });
  }
}

/**
 * Spawns the instance in its own process group (detached), stdin closed, stdout and stderr
 * on an O_APPEND log file descriptor the app owns: logging never depends on the daemon.
 */
export async function spawnInstance(spec: InstanceSpec, owner: string, logFile: string): Promise<SpawnedInstance> {
  checkSpec(spec);
  checkCwd(spec);
  const env = {
    ...spec.env,
    PORT: String(spec.port),
    [OWNER_VAR]: owner,
    [INSTANCE_VAR]: spec.id,
    SLIPWAY_SERVICE: spec.service,
    SLIPWAY_RELEASE: spec.releaseId,
  };
  const uid = spec.user?.uid ?? process.getuid?.() ?? 0;
  const limited = limitedCommand(spec.command, spec.isolation, { PATH: spec.env['PATH'] ?? process.env['PATH'] }, uid);
  if (!limited.ok && limited.reason === 'refused') {
    throw new SlipwayError('SLW_DRIVER_LIMIT_REFUSED', `Instance ${spec.id} of ${spec.service} was not started: ${limited.why}.`, {
      details: { id: spec.id, service: spec.service },
    });
  }
  if (!limited.ok) throw spawnFailed(spec, limited.why);
  const [file = '', ...args] = limited.command;
  const fd = openLog(logFile);
  let child: ChildProcess;
  try {
    child = spawn(file, args, { cwd: spec.cwd, env, detached: true, stdio: ['ignore', fd, fd], ...(spec.user ? { uid: spec.user.uid, gid: spec.user.gid } : {}) });
  } catch (err) {
    throw spawnFailed(spec, (err as Error).message, err);
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) {
    // libuv failed synchronously; Node reports it as an 'error' event on the next tick.
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => child.once('error', resolve));
    const why = err.code === 'ENOENT' ? `command ${JSON.stringify(file)} was not found` : err.message;
    throw spawnFailed(spec, why, err);
  }
  child.on('error', () => undefined); // later errors (failed kill) are seen through /proc instead
  // Read before yielding to the event loop: the child cannot have been reaped yet.
  const stat = readProcStat(pid);
  child.unref();
  if (!stat) throw spawnFailed(spec, `process ${pid} vanished before its start time could be read`);
  return { child, process: { id: spec.id, pid, startTime: stat.startTime, port: spec.port, logFile } };
}
