/** Samples from the state store: services, releases, instances and finished deployments. */
import type { DeploymentOutcome, DeploymentState } from '../engine/deployment-state.js';

import type { DeploymentRecord, ServiceRecord } from '../engine/records.js';
import type { StateStore } from '../engine/store.js';
import { DEPLOY_DURATION_BUCKETS_S, METRICS } from './metric-catalog.js';
import { bucketCounts, type FamilyBuilder } from './metric-family.js';

/** What the metrics read from the store (read-only). */
export type MetricsStore = Pick<StateStore, 'services' | 'release' | 'instances' | 'deployments'>;

const KINDS = ['deploy', 'rollback'] as const;
const OUTCOMES: readonly DeploymentOutcome[] = ['succeeded', 'failed', 'reverted'];
/** A deployment's last state is one of its outcomes (the engine's own check is runtime code this module does not load). */
const isTerminal = (state: DeploymentState): state is DeploymentOutcome => (OUTCOMES as readonly DeploymentState[]).includes(state);

/** Adds the store's samples; returns the services it knows (so gauges per service can be zero). */
export function addStoreSamples(out: FamilyBuilder, store: MetricsStore): string[] {
  const services = store.services();
  const deployments = store.deployments();
  const names = [...new Set([...services.map((s) => s.name), ...deployments.map((d) => d.service)])].sort();
  for (const service of services) addServiceSamples(out, store, service);
  addRestartSamples(out, store, names);
  addDeploymentSamples(out, deployments, names);
  return services.filter((s) => s.activeRelease !== undefined).map((s) => s.name);
}

function addServiceSamples(out: FamilyBuilder, store: MetricsStore, service: ServiceRecord): void {
  const active = service.activeRelease ? store.release(service.name, service.activeRelease) : undefined;
  if (!active) return;
  out.add(METRICS.instancesDesired, { service: service.name }, active.spec.instances);
  for (const route of active.spec.routes) out.add(METRICS.routeInfo, { service: service.name, host: route.host, path: route.path }, 1);
  const canary = service.canary;
  out.add(METRICS.trafficWeight, { service: service.name, release: active.id }, canary ? 1 - canary.weight : 1);
  if (canary) out.add(METRICS.trafficWeight, { service: service.name, release: canary.release }, canary.weight);
  const warm = service.previousRelease;
  if (warm && warm !== active.id && warm !== canary?.release) out.add(METRICS.trafficWeight, { service: service.name, release: warm }, 0);
}

function addRestartSamples(out: FamilyBuilder, store: MetricsStore, services: readonly string[]): void {
  const restarts = new Map<string, number>(services.map((s) => [s, 0]));
  const outOfMemory = new Map<string, number>(services.map((s) => [s, 0]));
  for (const instance of store.instances()) {
    restarts.set(instance.service, (restarts.get(instance.service) ?? 0) + instance.restarts);
    outOfMemory.set(instance.service, (outOfMemory.get(instance.service) ?? 0) + (instance.outOfMemoryKills ?? 0));
  }
  for (const [service, count] of restarts) out.add(METRICS.instanceRestarts, { service }, count);
  for (const [service, count] of outOfMemory) out.add(METRICS.instanceOutOfMemory, { service }, count);
}

/**
 * Counters and durations of finished deployments. Every service gets every kind × outcome
 * (zeros included) so that the first failure is an increase Prometheus can see.
 */
function addDeploymentSamples(out: FamilyBuilder, deployments: readonly DeploymentRecord[], services: readonly string[]): void {
  const finished = deployments.filter((d) => isTerminal(d.state));
  for (const service of services) {
    const mine = finished.filter((d) => d.service === service);
    const open = deployments.some((d) => d.service === service && !isTerminal(d.state));
    out.add(METRICS.deploymentInProgress, { service }, open ? 1 : 0);
    for (const kind of KINDS) {
      for (const outcome of OUTCOMES) {
        const these = mine.filter((d) => d.kind === kind && d.state === outcome);
        const seconds = these.map(durationSeconds);
        const labels = { service, kind, outcome };
        out.add(METRICS.deployments, labels, these.length);
        const counts = bucketCounts(DEPLOY_DURATION_BUCKETS_S, seconds);
        out.addHistogram(METRICS.deploymentDuration, labels, counts, seconds.reduce((a, b) => a + b, 0));
      }
    }
    const manual = mine.filter((d) => d.kind === 'rollback' && d.state === 'succeeded').length;
    const automatic = mine.filter((d) => d.kind === 'deploy' && d.state === 'reverted').length;
    out.add(METRICS.rollbacks, { service, trigger: 'manual' }, manual);
    out.add(METRICS.rollbacks, { service, trigger: 'automatic' }, automatic);
  }
}

function durationSeconds(d: DeploymentRecord): number {
  const ms = Date.parse(d.endedAt ?? '') - Date.parse(d.startedAt);
  return Number.isFinite(ms) ? Math.max(0, ms / 1000) : 0;
}
