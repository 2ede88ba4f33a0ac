/** /health/ready: can this slipway deploy and serve right now? */
import type { DiskSpace } from '../lib/disk-space.js';
import type { ObservabilityCode } from './codes.js';

/** Below this much free space in the state directory, slipway reports itself not ready. */
export const DEFAULT_DISK_FLOOR_BYTES = 256 * 1024 ** 2;

export interface ReadinessProbes {
  /** Resolves when the proxy answers on its control socket. */
  readonly proxy: () => Promise<unknown>;
  /** A durable write to the state database; throws when it cannot write. */
  readonly journal: () => void;
  readonly disk: () => Promise<DiskSpace>;
  readonly diskFloorBytes: number;
}

export type Check = { readonly ok: true; readonly detail: string } | { readonly ok: false; readonly code: ObservabilityCode; readonly detail: string };

export interface Readiness {
  readonly ready: boolean;
  readonly checks: { readonly proxy: Check; readonly journal: Check; readonly disk: Check };
}

export async function checkReadiness(probes: ReadinessProbes): Promise<Readiness> {
  const [proxy, journal, disk] = await Promise.all([proxyCheck(probes), journalCheck(probes), diskCheck(probes)]);
  return { ready: proxy.ok && journal.ok && disk.ok, checks: { proxy, journal, disk } };
}

async function proxyCheck(probes: ReadinessProbes): Promise<Check> {
  try {
    await probes.proxy();
    return { ok: true, detail: 'the proxy answers on its control socket' };
  } catch (err) {
    return { ok: false, code: 'SLW_READY_PROXY_DOWN', detail: describe(err) };
  }
}

async function journalCheck(probes: ReadinessProbes): Promise<Check> {
  try {
    probes.journal();
    return { ok: true, detail: 'the state database takes writes' };
  } catch (err) {
    return { ok: false, code: 'SLW_READY_JOURNAL_UNWRITABLE', detail: describe(err) };
  }
}

async function diskCheck(probes: ReadinessProbes): Promise<Check> {
  try {
    const { freeBytes } = await probes.disk();
    const detail = `${mib(freeBytes)} free, floor ${mib(probes.diskFloorBytes)}`;
    return freeBytes >= probes.diskFloorBytes ? { ok: true, detail } : { ok: false, code: 'SLW_READY_DISK_LOW', detail };
  } catch (err) {
    return { ok: false, code: 'SLW_READY_DISK_LOW', detail: `free space unknown: ${describe(err)}` };
  }
}

const mib = (bytes: number): string => `${Math.floor(bytes / 1024 ** 2)} MiB`;

function describe(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}
