import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SlipwayError } from '../errors.js';
import type { EngineDeps } from './deps.js';
import { instanceLogs, isRunning, setInstanceState } from './instance-ops.js';
import type { InstanceRecord, ReleaseSpec } from './records.js';

/** While gating, probe at least this often so a fast app is not held back by a long interval. */
const GATE_PROBE_MS = 100;
/**
 * The first waits between probes while gating (then GATE_PROBE_MS, or the interval if shorter):
 * an app that listens a few ms after its start is let in then, not a whole period later, as a
 * user polling by hand would (BENCHMARKS.md, "Container deploy overhead"); a slow starter costs
 * four extra probes in its first 150 ms. Checks that count toward `rise` keep the full period.
 */
const GATE_FIRST_WAITS_MS: readonly number[] = [10, 20, 40, 80];

/**
 * Waits until the instance passes `rise` consecutive health checks, within startTimeout.
 * Fails fast when the process exits. Traffic never reaches an instance that did not pass.
 */
export async function gateInstance(
  deps: EngineDeps,
  instance: InstanceRecord,
  health: ReleaseSpec['health'],
  deploymentId: string | undefined,
  signal?: AbortSignal,
): Promise<InstanceRecord> {
  const deadline = deps.now() + health.startTimeoutMs;
  const { handle } = instance;
  let successes = 0;
  let last = 'no answer yet';
  for (let round = 0; deps.now() < deadline; round++) {
    signal?.throwIfAborted();
    const started = deps.now();
    // Whether it still runs (for a container, one engine call) is asked beside the probe, not
    // before it; an instance that exited fails the gate whatever the probe said. The answer that
    // completes `rise` does not wait for it: the instance has just answered on its own port.
    const running = handle ? isRunning(deps, instance) : Promise.resolve(true);
    running.catch(() => undefined);
    const result = await check(deps, instance, health, signal);
    if (result.ok && successes + 1 >= health.rise) return setInstanceState(deps, instance, 'healthy', {}, deploymentId);
    if (!(await running)) {
      throw await failure(deps, instance, 'SLW_INSTANCE_EXITED', `Instance ${instance.id} exited while starting.`);
    }
    if (result.ok) {
      successes++;
    } else {
      successes = 0;
      last = result.error ?? `HTTP ${result.status ?? '?'}`;
    }
    // Only before the first answer: the checks that count toward `rise` stay a full period apart.
    const quick = successes === 0 ? (GATE_FIRST_WAITS_MS[round] ?? GATE_PROBE_MS) : GATE_PROBE_MS;
    const period = Math.min(health.intervalMs, GATE_PROBE_MS, quick);
    const wait = period - (deps.now() - started);
    if (wait > 0) await sleep(wait);
  }
  throw await failure(
    deps,
    instance,
    'SLW_HEALTH_TIMEOUT',
    `Instance ${instance.id} did not pass ${describe(health)} ${health.rise} times in a row within ${health.startTimeoutMs} ms (last: ${last}).`,
  );
}

/** One check of the instance by its release's kind of health check (readiness or liveness); a process check passes while it runs. */
export async function check(deps: EngineDeps, instance: InstanceRecord, health: Pick<ReleaseSpec['health'], 'kind' | 'path' | 'timeoutMs' | 'command'>, signal: AbortSignal | undefined): Promise<{ ok: boolean; status?: number; error?: string }> {
  const kind = health.kind ?? 'http';
  if (kind === 'process') return { ok: true };
  const address = instance.handle?.address ?? { host: '127.0.0.1', port: instance.port };
  const base = { host: address.host, port: address.port, path: health.path, timeoutMs: health.timeoutMs, ...(signal ? { signal } : {}) };
  if (kind === 'http') return deps.probe(base);
  if (kind === 'tcp') return deps.probe({ ...base, kind });
  const release = deps.store.release(instance.service, instance.releaseId);
  return deps.probe({
    ...base,
    kind,
    command: health.command ?? [],
    ...(release ? { cwd: join(release.dir, 'app') } : {}),
    env: { ...deps.baseEnv, PORT: String(address.port), HOST: address.host },
  });
}

function describe(health: ReleaseSpec['health']): string {
  switch (health.kind ?? 'http') {
    case 'tcp':
      return 'a TCP connect';
    case 'command':
      return `\`${(health.command ?? []).join(' ')}\``;
    case 'process':
      return 'running';
    default:
      return `GET ${health.path}`;
  }
}

async function failure(
  deps: EngineDeps,
  instance: InstanceRecord,
  code: 'SLW_HEALTH_TIMEOUT' | 'SLW_INSTANCE_EXITED',
  message: string,
): Promise<SlipwayError> {
  const lastLines = await instanceLogs(deps, instance, 20).catch(() => []);
  return new SlipwayError(code, message, { details: { instance: instance.id, port: instance.port, lastLines } });
}

export function gateInstances(
  deps: EngineDeps,
  instances: readonly InstanceRecord[],
  health: ReleaseSpec['health'],
  deploymentId: string | undefined,
  signal?: AbortSignal,
): Promise<InstanceRecord[]> {
  return Promise.all(instances.map((i) => gateInstance(deps, i, health, deploymentId, signal)));
}
