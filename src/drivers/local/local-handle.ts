import { SlipwayError } from '../../errors.js';
import type { InstanceHandle } from '../driver.js';

export const PROCESS_DRIVER = 'process';

/** What the local driver knows of an instance: only this folder reads pids and log paths. */
export interface LocalProcess {
  readonly id: string;
  readonly pid: number;
  /** Kernel start time of the pid (clock ticks since boot): guards against pid reuse. */
  readonly startTime: number;
  readonly port: number;
  /** Per-instance log file (stdout and stderr interleaved). */
  readonly logFile: string;
}

/** Local processes listen on the loopback interface of this machine. */
export const LOCAL_HOST = '127.0.0.1';

export function handleOfProcess(p: LocalProcess): InstanceHandle {
  return {
    id: p.id,
    driver: PROCESS_DRIVER,
    address: { host: LOCAL_HOST, port: p.port },
    ref: `pid ${p.pid}`,
    pid: p.pid,
    data: { pid: p.pid, startTime: p.startTime, logFile: p.logFile },
  };
}

export function processOf(handle: InstanceHandle): LocalProcess {
  const { pid, startTime, logFile } = handle.data;
  if (handle.driver !== PROCESS_DRIVER || typeof pid !== 'number' || typeof startTime !== 'number' || typeof logFile !== 'string') {
    throw new SlipwayError('SLW_INTERNAL', `Instance ${handle.id} was not started by the process driver (driver "${handle.driver}").`);
  }
  return { id: handle.id, pid, startTime, port: handle.address.port, logFile };
}
